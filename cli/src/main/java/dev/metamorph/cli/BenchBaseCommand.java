package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.BadRecordPolicy;
import dev.metamorph.datasets.RecordFileReader;
import dev.metamorph.model.base.BaseBenchmark;
import dev.metamorph.model.base.BaseConfig;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.model.base.BaseFeatures;
import dev.metamorph.model.base.FeatureCache;
import dev.metamorph.model.base.PrototypeAccuracy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code metamorph bench base}: speed of the frozen base (texts/s and word pieces/s, float and
 * int8, 1 and 2 ONNX Runtime threads) on a seeded sample of real gcide definitions, the effect of
 * float16 storage on pooled vectors, and the base-prototype floor (5-way 5-shot, cosine to class
 * means of pooled vectors) as a check of the whole path.
 */
@Command(name = "base", mixinStandardHelpOptions = true, description = "Benchmark: frozen base encoder speed (float/int8, 1/2 threads) and its prototype floor on gcide.")
public final class BenchBaseCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", description = "Print one JSON object per line and measurement.")
    boolean json;

    @Option(names = "--data", description = "Record file (JSONL) of the texts (default: ${DEFAULT-VALUE}, under the project root).", defaultValue = ".cache/data/gcide.jsonl")
    String data;

    @Option(names = "--texts", description = "Texts timed per pass (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int texts;

    @Option(names = "--repeats", description = "Timed passes; the median is reported (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int repeats;

    @Option(names = "--threads", split = ",", description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}).", defaultValue = "1,2")
    List<Integer> threads;

    @Option(names = "--precisions", split = ",", description = "int8 and/or float (default: ${DEFAULT-VALUE}).", defaultValue = "int8,float")
    List<String> precisions;

    @Option(names = "--batch", description = "Texts per model call (model.base-batch; int8 runs one per call) (default: ${DEFAULT-VALUE}).", defaultValue = "32")
    int batch;

    @Option(names = "--episodes", description = "5-way 5-shot episodes of the base-prototype check per precision; 0 skips it (default: ${DEFAULT-VALUE}).", defaultValue = "100")
    int episodes;

    @Option(names = "--seed", description = "Seed of the text sample and the episodes (default: ${DEFAULT-VALUE}).", defaultValue = "7")
    long seed;

    @Override
    public Integer call() throws Exception {
        Path root = DataOptions.projectRoot();
        Path file = root.resolve(data);
        if (!Files.isRegularFile(file)) throw new ExitCodes.UserError("No record file " + file + "; run ./metamorph data import first (or pass --data)");
        List<Record> records = new RecordFileReader(BadRecordPolicy.FAIL).read(file).records();
        List<String> sample = sample(records, texts, new SplittableRandom(seed));
        BenchModelMachine machine = BenchModelMachine.probe();
        BaseConfig defaults = BaseConfig.defaults().resolve(root);
        if (!json) {
            System.out.println("metamorph bench base");
            System.out.println("protocol: median of " + repeats + " passes over " + sample.size() + " texts of " + file.getFileName()
                    + " (seeded sample), after a warm-up batch; texts sorted by length, " + batch + " per call (int8: 1 per call); tokens = word pieces incl. [CLS]/[SEP]");
            System.out.println("machine: " + machine.describe());
            System.out.printf(Locale.ROOT, "%-16s %3s %9s %9s %11s %9s%n", "base", "thr", "per-call", "texts/s", "tokens/s", "s/pass");
        }
        for (String p : precisions) {
            BaseConfig.Precision precision = precision(p);
            for (int t : threads) {
                BaseConfig c = BaseConfig.minilm(precision, t).withBatchSize(batch).withCacheDir(defaults.cacheDir());
                BaseBenchmark.Result r = BaseBenchmark.run(c, sample, repeats);
                ObjectNode o = JSON.createObjectNode();
                o.put("measure", "speed");
                o.put("base", r.base());
                o.put("sha256", r.sha256());
                o.put("precision", precision.key());
                o.put("threads", t);
                o.put("texts_per_call", r.textsPerCall());
                o.put("texts", r.texts());
                o.put("tokens", r.tokens());
                o.put("repeats", r.repeats());
                o.put("seconds_median", round(r.secondsMedian()));
                o.put("texts_per_s", round(r.textsPerSecond()));
                o.put("tokens_per_s", Math.round(r.tokensPerSecond()));
                o.put("cpu", machine.cpu());
                o.put("load_average", machine.loadAverage());
                if (json) System.out.println(JSON.writeValueAsString(o));
                else System.out.printf(Locale.ROOT, "%-16s %3d %9d %9.1f %11.0f %9.2f%n", r.base(), t, r.textsPerCall(), r.textsPerSecond(), r.tokensPerSecond(), r.secondsMedian());
            }
        }
        float16Check(sample);
        if (episodes > 0) {
            for (String p : precisions) prototypeCheck(records, precision(p), defaults);
        }
        return ExitCodes.OK;
    }

    /** Pooled vectors from float16-rounded token states against the float ones (float model, this sample). */
    private void float16Check(List<String> sample) throws Exception {
        try (BaseEncoder base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.FLOAT, 2).withBatchSize(batch))) {
            BaseFeatures f = base.encode(sample);
            double worst = 1, sum = 0;
            for (int i = 0; i < f.size(); i++) {
                float[] half = Nd4j.createFromArray(f.states(i)).castTo(DataType.HALF).castTo(DataType.FLOAT).toFloatVector();
                double cos = cosine(f.pooled(i), BaseFeatures.meanPool(half, f.length(i), f.hiddenSize()));
                worst = Math.min(worst, cos);
                sum += cos;
            }
            ObjectNode o = JSON.createObjectNode();
            o.put("measure", "float16-states");
            o.put("texts", f.size());
            o.put("min_pooled_cosine", worst);
            o.put("mean_pooled_cosine", sum / f.size());
            if (json) System.out.println(JSON.writeValueAsString(o));
            else System.out.printf(Locale.ROOT, "float16 token states: pooled vector cosine to float: min %.8f, mean %.8f over %d texts (1 - min = %.2e)%n",
                    worst, sum / f.size(), f.size(), 1 - worst);
        }
    }

    /** The protocol: classes with >= 20 records, up to 60 each (seeded), 5-way 5-shot, 15 queries. */
    private void prototypeCheck(List<Record> records, BaseConfig.Precision precision, BaseConfig defaults) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, List<Record>> byLabel = new LinkedHashMap<>();
        for (Record r : records) byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Map.Entry<String, List<Record>> e : byLabel.entrySet()) {
            if (e.getValue().size() < 20) continue;
            List<Record> members = new ArrayList<>(e.getValue());
            for (int i = 0; i < Math.min(60, members.size()); i++) {
                int j = i + rng.nextInt(members.size() - i);
                Record t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
                texts.add(members.get(i).text());
                labels.add(e.getKey());
            }
        }
        BaseConfig c = BaseConfig.minilm(precision, 2).withBatchSize(batch).withCacheDir(defaults.cacheDir());
        try (BaseEncoder base = BaseEncoder.open(c)) {
            long t0 = System.nanoTime();
            BaseFeatures f = new FeatureCache(c.cacheDir(), base).features("record-text", "1", texts, false, json ? dev.metamorph.model.base.FeatureProgress.NONE : dev.metamorph.pipeline.BaseFeaturesStage.progress(DataProgressBar.forConsole()));
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<float[]> vectors = new ArrayList<>(f.size());
            for (int i = 0; i < f.size(); i++) vectors.add(f.pooled(i));
            PrototypeAccuracy.Result r = PrototypeAccuracy.evaluate(vectors, labels, 5, 5, 15, episodes, rng);
            ObjectNode o = JSON.createObjectNode();
            o.put("measure", "base-prototype");
            o.put("base", base.name());
            o.put("sha256", base.sha256());
            o.put("classes", labels.stream().distinct().count());
            o.put("records", texts.size());
            o.put("ways", 5);
            o.put("shots", 5);
            o.put("queries", 15);
            o.put("episodes", r.episodes());
            o.put("accuracy", round(100 * r.accuracy()));
            o.put("ci95", round(100 * r.ci95()));
            o.put("feature_seconds", round(seconds));
            if (json) System.out.println(JSON.writeValueAsString(o));
            else System.out.printf(Locale.ROOT, "base-prototype %s: 5-way 5-shot %.1f%% +- %.1f over %d episodes (%d classes, %d records, 15 queries/class; features %.1f s)%n",
                    base.name(), 100 * r.accuracy(), 100 * r.ci95(), r.episodes(), labels.stream().distinct().count(), texts.size(), seconds);
        }
    }

    private static List<String> sample(List<Record> records, int n, SplittableRandom rng) {
        List<Record> copy = new ArrayList<>(records);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, copy.size()); i++) {
            int j = i + rng.nextInt(copy.size() - i);
            Record t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
            out.add(copy.get(i).text());
        }
        return out;
    }

    private static BaseConfig.Precision precision(String p) {
        return switch (p.trim().toLowerCase(Locale.ROOT)) {
            case "int8" -> BaseConfig.Precision.INT8;
            case "float" -> BaseConfig.Precision.FLOAT;
            default -> throw new ExitCodes.UserError("--precisions takes int8 and/or float, got '" + p + "'");
        };
    }

    private static double cosine(float[] a, float[] b) {
        double d = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return d / Math.sqrt(na * nb);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
