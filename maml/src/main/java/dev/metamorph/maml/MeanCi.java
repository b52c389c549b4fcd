package dev.metamorph.maml;

import java.util.List;

/**
 * A mean with the half-width of its 95% confidence interval, {@code 1.96 * sd / sqrt(n)}, over
 * the finite values; {@code diverged} counts the values that were not finite (an adaptation that
 * blew up), which a report must show beside the mean.
 */
public record MeanCi(double mean, double ci95, int n, int diverged) {
    public static MeanCi of(double[] values) {
        int n = 0, bad = 0;
        double m = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                m += v;
                n++;
            } else {
                bad++;
            }
        }
        if (n < 2) return new MeanCi(Double.NaN, Double.NaN, n, bad);
        m /= n;
        double ss = 0;
        for (double v : values) if (Double.isFinite(v)) ss += (v - m) * (v - m);
        double sd = Math.sqrt(ss / (n - 1));
        return new MeanCi(m, 1.96 * sd / Math.sqrt(n), n, bad);
    }

    /** {@code [mean, ci95]}, rounded to 4 decimals, for JSON output; a non-finite value becomes null. */
    public List<Double> asPair() {
        return java.util.Arrays.asList(round(mean), round(ci95));
    }

    private static Double round(double x) {
        if (!Double.isFinite(x)) return null;
        return Math.abs(x) < 1e9 ? Math.round(x * 1e4) / 1e4 : x;
    }

    @Override
    public String toString() {
        String s = String.format("%.4f +- %.4f", mean, ci95);
        return diverged == 0 ? s : s + String.format(" (%d/%d diverged)", diverged, n + diverged);
    }
}
