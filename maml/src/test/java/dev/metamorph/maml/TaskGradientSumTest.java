package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The driver's fixed-order sum: independent of arrival order, and strict about missing or repeated tasks. */
class TaskGradientSumTest {
    private static final double[][] G = {{0.1, 1e16, -3}, {0.2, 1.0, 1e-17}, {0.3, -1e16, 2}};
    private static final double[] LOSS = {0.7, 0.11, 0.13};

    private static double[] sum(int[] arrival, double[] lossOut) {
        TaskGradientSum s = new TaskGradientSum(3, false);
        for (int t : arrival) s.put(t, LOSS[t], G[t].clone(), null);
        double[] out = new double[3];
        lossOut[0] = s.mean(out, null);
        return out;
    }

    @Test
    void resultIsBitwiseTheSameInAnyArrivalOrderAndEqualsTheTaskOrderSum() {
        double[] l1 = new double[1], l2 = new double[1];
        double[] a = sum(new int[] {0, 1, 2}, l1);
        double[] b = sum(new int[] {2, 0, 1}, l2);
        for (int i = 0; i < 3; i++) assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]));
        assertEquals(l1[0], l2[0], 0.0);
        // task order matters for rounding: (1e16 + 1) - 1e16 is 0 in double, so the order is visible
        assertEquals(((0.0 + 1e16) + 1.0 + -1e16) / 3, a[1], 0.0);
        assertEquals(((0.0 + 0.7) + 0.11 + 0.13) / 3, l1[0], 0.0);
    }

    @Test
    void missingRepeatedOrOutOfRangeTasksFail() {
        TaskGradientSum s = new TaskGradientSum(2, true);
        s.put(0, 1, new double[1], new double[1]);
        assertThrows(IllegalStateException.class, () -> s.put(0, 1, new double[1], new double[1]));
        assertThrows(IllegalArgumentException.class, () -> s.put(2, 1, new double[1], new double[1]));
        assertThrows(IllegalArgumentException.class, () -> s.put(1, 1, new double[1], null));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.mean(new double[1], new double[1]));
        assertTrue(e.getMessage().contains("task 1"), e.getMessage());
    }
}
