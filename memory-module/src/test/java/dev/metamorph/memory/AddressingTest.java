package dev.metamorph.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Content addressing and LRUA slot choice. */
class AddressingTest {
    private static double[] random(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextGaussian();
        return a;
    }

    @Test
    void anExactKeyGetsTheLargestWeightDenseAndTopK() {
        SplittableRandom r = new SplittableRandom(3);
        int slots = 200, kd = 16, vd = 3;
        double[] keys = random(r, slots * kd), values = random(r, slots * vd);
        for (int target : new int[] {0, 57, 199}) {
            double[] q = new double[kd];
            System.arraycopy(keys, target * kd, q, 0, kd);
            for (int topK : new int[] {0, 1, 8}) {
                ContentRead.Result res = new ContentRead(kd, vd, topK).forward(q, 0, keys, values, slots, -1, 5.0);
                int best = -1;
                double bestW = -1;
                for (int m = 0; m < res.slots().length; m++) {
                    if (res.weights()[m] > bestW) {
                        bestW = res.weights()[m];
                        best = res.slots()[m];
                    }
                }
                assertEquals(target, best, "top-k " + topK);
                assertEquals(1.0, res.cosines()[java.util.Arrays.binarySearch(res.slots(), target)], 1e-12);
            }
        }
    }

    @Test
    void topKSelectsTheKMostSimilarSlotsAndWeightsSumToOne() {
        SplittableRandom r = new SplittableRandom(4);
        int slots = 50, kd = 8, vd = 2;
        double[] keys = random(r, slots * kd), values = random(r, slots * vd), q = random(r, kd);
        ContentRead.Result dense = new ContentRead(kd, vd, 0).forward(q, 0, keys, values, slots, 10, 3.0);
        ContentRead.Result top = new ContentRead(kd, vd, 5).forward(q, 0, keys, values, slots, 10, 3.0);
        assertEquals(slots - 1, dense.slots().length);
        assertEquals(5, top.slots().length);
        double[] sorted = dense.cosines().clone();
        java.util.Arrays.sort(sorted);
        double fifth = sorted[sorted.length - 5];
        double sum = 0;
        for (int m = 0; m < 5; m++) {
            assertTrue(top.cosines()[m] >= fifth, "slot " + top.slots()[m] + " is not among the 5 most similar");
            assertTrue(top.slots()[m] != 10, "the skipped slot was read");
            sum += top.weights()[m];
        }
        assertEquals(1.0, sum, 1e-12);
        assertEquals(0.0, top.weightOf(10));
    }

    @Test
    void anEmptyMemoryReadsZero() {
        ContentRead.Result res = new ContentRead(4, 3, 0).forward(new double[] {1, 0, 0, 0}, 0, new double[0], new double[0], 0, -1, 2.0);
        assertArrayEquals(new double[3], res.read());
    }

    @Test
    void lruaWritesGoToTheLeastUsedSlot() {
        double[] usage = {0.8, 0.3, 0.05, 0.9, 0.05};
        int lu = LruaWrite.leastUsed(usage, usage.length);
        assertEquals(2, lu, "smallest usage, ties to the lower slot");
        // gate closed (sigmoid(-30) ~ 0): the whole write goes to the least-used slot
        LruaWrite.Weights w = LruaWrite.weights(-30, new double[] {0.9, 0.1, 0, 0, 0}, lu, usage.length);
        double[] m = new double[5 * 2];
        double[] out = LruaWrite.eraseAdd(m, 2, w.weights(), new double[] {1, 1}, new double[] {4, 5});
        assertEquals(4.0, out[2 * 2], 1e-9);
        assertEquals(5.0, out[2 * 2 + 1], 1e-9);
        for (int j = 0; j < 5; j++) if (j != 2) assertEquals(0.0, out[j * 2], 1e-9);
        LruaWrite.updateUsage(usage, 0.5, null, w.weights());
        assertEquals(4, LruaWrite.leastUsed(usage, usage.length), "the written slot is no longer the least used");
        // gate open: the write goes where the previous read went
        LruaWrite.Weights open = LruaWrite.weights(30, new double[] {0, 1, 0, 0, 0}, lu, usage.length);
        assertEquals(1.0, open.weights()[1], 1e-9);
    }

    @Test
    void eraseAddFullyOverwritesAWrittenSlot() {
        double[] m = {1, 2, 3, 4};
        double[] out = LruaWrite.eraseAdd(m, 2, new double[] {0, 1}, new double[] {1, 1}, new double[] {7, 8});
        assertArrayEquals(new double[] {1, 2, 7, 8}, out, 1e-12);
    }
}
