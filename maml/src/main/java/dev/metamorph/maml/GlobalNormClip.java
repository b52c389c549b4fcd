package dev.metamorph.maml;

/** Clips a gradient to a maximum global L2 norm (in place), as {@code clip_grad_norm_}. */
public final class GlobalNormClip {
    private GlobalNormClip() {}

    /**
     * Scales {@code grad} so that its L2 norm is at most {@code maxNorm} (no-op when
     * {@code maxNorm <= 0}); returns the norm before clipping.
     */
    public static double apply(double[] grad, double maxNorm) {
        double s = 0;
        for (double g : grad) s += g * g;
        double norm = Math.sqrt(s);
        if (maxNorm > 0 && norm > maxNorm) {
            double f = maxNorm / (norm + 1e-12);
            for (int i = 0; i < grad.length; i++) grad[i] *= f;
        }
        return norm;
    }
}
