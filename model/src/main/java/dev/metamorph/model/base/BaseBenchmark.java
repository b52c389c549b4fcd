package dev.metamorph.model.base;

import java.util.Arrays;
import java.util.List;

/**
 * Speed of the base on given texts: texts/s and word pieces/s of {@link BaseEncoder#encode}
 * (tokenizing, sorting, padding and the model calls), the median over timed repeats after one
 * untimed warm-up pass on the first batch. Thread CPU time is not used: ONNX Runtime works on its
 * own threads.
 */
public final class BaseBenchmark {
    private BaseBenchmark() {}

    /**
     * @param textsPerCall texts per model call actually used (1 for a dynamically quantised model)
     * @param tokens word pieces in one pass, [CLS] and [SEP] included, padding not
     */
    public record Result(String base, String sha256, int threads, int textsPerCall, int texts, long tokens, int repeats,
            double secondsMedian, double textsPerSecond, double tokensPerSecond) { }

    /** Opens the base {@code config} names, warms it up and times {@code repeats} passes over {@code texts}. */
    public static Result run(BaseConfig config, List<String> texts, int repeats) {
        if (texts.isEmpty() || repeats < 1) throw new IllegalArgumentException("need texts and repeats >= 1, got " + texts.size() + " texts, " + repeats + " repeats");
        try (BaseEncoder base = BaseEncoder.open(config)) {
            base.encode(texts.subList(0, Math.min(texts.size(), config.batchSize())));
            double[] seconds = new double[repeats];
            long tokens = 0;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                BaseFeatures f = base.encode(texts);
                seconds[r] = (System.nanoTime() - t0) / 1e9;
                if (r == 0) for (int i = 0; i < f.size(); i++) tokens += f.length(i);
            }
            Arrays.sort(seconds);
            double med = repeats % 2 == 1 ? seconds[repeats / 2] : (seconds[repeats / 2 - 1] + seconds[repeats / 2]) / 2;
            return new Result(base.name(), base.sha256(), config.threads(), base.textsPerCall(), texts.size(), tokens, repeats, med,
                    texts.size() / med, tokens / med);
        }
    }
}
