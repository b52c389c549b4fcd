package dev.metamorph.maml;

import java.util.List;

/** A mean with the half-width of its 95% confidence interval, {@code 1.96 * sd / sqrt(n)}. */
public record MeanCi(double mean, double ci95, int n) {
    public static MeanCi of(double[] values) {
        int n = values.length;
        if (n < 2) throw new IllegalArgumentException("a confidence interval needs >= 2 values, got " + n);
        double m = 0;
        for (double v : values) m += v;
        m /= n;
        double ss = 0;
        for (double v : values) ss += (v - m) * (v - m);
        double sd = Math.sqrt(ss / (n - 1));
        return new MeanCi(m, 1.96 * sd / Math.sqrt(n), n);
    }

    /** {@code [mean, ci95]}, rounded to 4 decimals, for JSON output. */
    public List<Double> asPair() {
        return List.of(Math.round(mean * 1e4) / 1e4, Math.round(ci95 * 1e4) / 1e4);
    }

    @Override
    public String toString() {
        return String.format("%.4f +- %.4f", mean, ci95);
    }
}
