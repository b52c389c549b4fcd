package dev.metamorph.eval;

import java.util.Locale;

/**
 * A mean with the half-width of its normal-approximation 95% confidence interval,
 * {@code 1.96 * sd / sqrt(n)} with the sample standard deviation (BENCHMARKS.md).
 */
public record MeanWithCi(double mean, double ci95, int n) {

    public static MeanWithCi of(double[] values) {
        int n = values.length;
        if (n == 0) throw new IllegalArgumentException("No values to summarise");
        double sum = 0;
        for (double v : values) sum += v;
        double mean = sum / n;
        if (n == 1) return new MeanWithCi(mean, Double.NaN, 1);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        return new MeanWithCi(mean, 1.96 * sd / Math.sqrt(n), n);
    }

    /** True when the two intervals do not overlap. */
    public boolean separatedFrom(MeanWithCi other) {
        return mean - ci95 > other.mean + other.ci95 || other.mean - other.ci95 > mean + ci95;
    }

    /** As a percentage, e.g. {@code 60.6% +- 0.7}. */
    public String asPercent() {
        return String.format(Locale.ROOT, "%.1f%% +- %.1f", 100 * mean, 100 * ci95);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.4f +- %.4f (n=%d)", mean, ci95, n);
    }
}
