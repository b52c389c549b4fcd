package dev.metamorph.memory;

/**
 * Least-recently-used access writes (Santoro et al. 2016) with NTM erase/add. The write weights
 * interpolate, through a learned gate g = sigmoid(gate), between the previous read weights and the
 * least-used slot: ww_j = g * wr_j + (1 - g) * [j = least used]. Each row of a memory matrix M
 * (keys or values) is then erased and added to: M'_j = M_j * (1 - ww_j e) + ww_j a, with an erase
 * vector e in [0, 1] and an add vector a (NTM). The least-used slot (smallest usage, ties: the lower
 * slot) is a constant of the step; everything else has an explicit backward pass ({@link #backward}).
 * Stateless; thread-safe.
 */
public final class LruaWrite {
    private LruaWrite() {}

    /** The write weights of one write: the slot chosen as least used, the gate value and ww [slots]. */
    public record Weights(int leastUsed, double gate, double[] weights) {}

    /** The least-used slot among the first {@code slots}: smallest usage, ties to the lower slot. */
    public static int leastUsed(double[] usage, int slots) {
        int best = 0;
        for (int j = 1; j < slots; j++) if (usage[j] < usage[best]) best = j;
        return best;
    }

    /** ww = sigmoid(gateLogit) * previousRead + (1 - sigmoid(gateLogit)) * onehot(leastUsed); previousRead may be null (zero). */
    public static Weights weights(double gateLogit, double[] previousRead, int leastUsed, int slots) {
        double g = 1.0 / (1.0 + Math.exp(-gateLogit));
        double[] w = new double[slots];
        if (previousRead != null) for (int j = 0; j < slots; j++) w[j] = g * previousRead[j];
        w[leastUsed] += 1.0 - g;
        return new Weights(leastUsed, g, w);
    }

    /** M'_j = M_j * (1 - ww_j e) + ww_j a for every slot, into a new array [slots * width]. */
    public static double[] eraseAdd(double[] m, int width, double[] ww, double[] erase, double[] add) {
        int slots = ww.length;
        double[] out = new double[slots * width];
        for (int j = 0; j < slots; j++) {
            double wj = ww[j];
            int o = j * width;
            for (int x = 0; x < width; x++) out[o + x] = m[o + x] * (1.0 - wj * erase[x]) + wj * add[x];
        }
        return out;
    }

    /** {@link #eraseAdd} into {@code m} itself (no copy: for large memories whose old contents are not needed for a backward pass). */
    public static void eraseAddInPlace(double[] m, int width, double[] ww, double[] erase, double[] add) {
        for (int j = 0; j < ww.length; j++) {
            double wj = ww[j];
            if (wj == 0) continue;
            int o = j * width;
            for (int x = 0; x < width; x++) m[o + x] = m[o + x] * (1.0 - wj * erase[x]) + wj * add[x];
        }
    }

    /** Gradients of an erase/add with respect to its inputs: the memory before, the write weights, erase and add. */
    public record EraseAddGradient(double[] memory, double[] weights, double[] erase, double[] add) {}

    /** Backward pass of {@link #eraseAdd} for the upstream gradient {@code dOut} [slots * width]. */
    public static EraseAddGradient eraseAddBackward(double[] m, int width, double[] ww, double[] erase, double[] add, double[] dOut) {
        int slots = ww.length;
        double[] dm = new double[slots * width], dw = new double[slots], de = new double[width], da = new double[width];
        for (int j = 0; j < slots; j++) {
            double wj = ww[j], acc = 0;
            int o = j * width;
            for (int x = 0; x < width; x++) {
                double g = dOut[o + x];
                dm[o + x] = g * (1.0 - wj * erase[x]);
                de[x] -= g * wj * m[o + x];
                da[x] += g * wj;
                acc += g * (add[x] - m[o + x] * erase[x]);
            }
            dw[j] = acc;
        }
        return new EraseAddGradient(dm, dw, de, da);
    }

    /** Gradients of the write weights' inputs: the gate logit and the previous read weights. */
    public record WeightsGradient(double gateLogit, double[] previousRead) {}

    /** Backward pass of {@link #weights} for dww [slots]. */
    public static WeightsGradient backward(Weights w, double[] previousRead, double[] dww) {
        double g = w.gate();
        double dg = 0;
        double[] dPrev = new double[dww.length];
        for (int j = 0; j < dww.length; j++) {
            double prev = previousRead == null ? 0.0 : previousRead[j];
            dg += dww[j] * (prev - (j == w.leastUsed() ? 1.0 : 0.0));
            dPrev[j] = g * dww[j];
        }
        return new WeightsGradient(dg * g * (1.0 - g), dPrev);
    }

    /**
     * Usage after a step (Santoro et al.): usage_j = decay * usage_j + wr_j + ww_j, in place;
     * {@code read} may be null.
     */
    public static void updateUsage(double[] usage, double decay, double[] read, double[] ww) {
        for (int j = 0; j < ww.length; j++) usage[j] = decay * usage[j] + (read == null ? 0.0 : read[j]) + ww[j];
    }
}
