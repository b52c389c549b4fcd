package dev.metamorph.maml;

/** Clips a gradient to a maximum global L2 norm (in place), as {@code clip_grad_norm_}. */
public final class GlobalNormClip {
    private GlobalNormClip() {}

    /**
     * Scales {@code grad} so that its L2 norm is at most {@code maxNorm} (no-op when
     * {@code maxNorm <= 0}); returns the norm before clipping.
     *
     * @throws ArithmeticException if an entry is NaN or infinite (a NaN norm compares false with
     *     every bound, so clipping would pass it on unchanged)
     */
    public static double apply(double[] grad, double maxNorm) {
        double s = 0;
        for (double g : grad) s += g * g;
        double norm = Math.sqrt(s);
        if (!Double.isFinite(norm)) {
            for (int i = 0; i < grad.length; i++) {
                if (!Double.isFinite(grad[i])) throw new ArithmeticException("gradient entry " + i + " of " + grad.length + " is " + grad[i]);
            }
            throw new ArithmeticException("the gradient's global norm overflows (" + norm + ") though every entry is finite");
        }
        if (maxNorm > 0 && norm > maxNorm) {
            double f = maxNorm / (norm + 1e-12);
            for (int i = 0; i < grad.length; i++) grad[i] *= f;
        }
        return norm;
    }
}
