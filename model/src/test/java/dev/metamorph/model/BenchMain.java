package dev.metamorph.model;

import org.nd4j.linalg.api.buffer.DataType;

/** Manual timing entry point (not a test): java -cp ... dev.metamorph.model.BenchMain [calls]. */
final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        ModelConfig c = ModelConfig.defaults().withDtype(DataType.FLOAT);
        ModelBenchmark.Method m = args.length > 1 ? ModelBenchmark.Method.valueOf(args[1]) : ModelBenchmark.Method.GRAPH_BACKWARD;
        System.out.println(ModelBenchmark.run("default", m, c, 1, 32, 64, 5, calls, 1));
    }
}
