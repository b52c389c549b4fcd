package dev.metamorph.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times reads and writes of a filled memory at given slot counts. Modes: {@code dense} reads every
 * slot (cosine, softmax, weighted sum) and writes with LRUA (write weights over every slot, NTM
 * erase/add of keys and values in place); {@code top-k} reads the k most similar slots (the scan of all
 * cosines stays; the softmax and the weighted sum cover k) and writes one entry into the persistent
 * store ({@link MemoryState#write}: a free slot, else the eviction policy's choice). Keys and queries
 * are Gaussian; each figure is the median over the repeats (wall time, one thread).
 */
public final class MemoryBenchmark {
    private MemoryBenchmark() {}

    /** One row: slots, mode, median read and write time in microseconds, bytes per slot of the store, repeats. */
    public record Row(int slots, String mode, int topK, double readMicros, double writeMicros, long bytesPerSlot, int repeats) {}

    /** Bytes a {@link MemoryState} slot takes: key and value in float64, usage float64, label int32, write step int64. */
    public static long bytesPerSlot(int keySize, int valueSize) {
        return 8L * keySize + 8L * valueSize + 8 + 4 + 8;
    }

    /** Runs both modes at every slot count; {@code repeats} timed calls per figure at 1k slots, fewer (>= 3) for larger memories. */
    public static List<Row> run(int[] slotCounts, int keySize, int valueSize, int topK, int repeats, long seed) {
        List<Row> rows = new ArrayList<>();
        for (int slots : slotCounts) {
            SplittableRandom rng = new SplittableRandom(seed ^ slots);
            MemoryState store = new MemoryState(slots, keySize, valueSize, EvictionPolicy.LEAST_USED, 0.95);
            double[] k = new double[keySize], v = new double[valueSize];
            for (int j = 0; j < slots; j++) {
                fill(rng, k);
                fill(rng, v);
                store.write(k, v, "c" + (j % 64));
            }
            int reps = Math.max(3, (int) Math.min(repeats, (long) repeats * 1000 / slots));
            for (String mode : new String[] {"dense", "top-k"}) {
                ContentRead read = new ContentRead(keySize, valueSize, mode.equals("dense") ? 0 : topK);
                double[] readT = new double[reps], writeT = new double[reps];
                double sink = 0;
                double[] usage = new double[slots];
                double[] erase = new double[keySize], eraseV = new double[valueSize];
                Arrays.fill(erase, 0.5);
                Arrays.fill(eraseV, 0.5);
                for (int r = -1; r < reps; r++) { // r = -1: warm-up
                    double[] q = new double[keySize];
                    fill(rng, q);
                    long t0 = System.nanoTime();
                    ContentRead.Result res = read.forward(q, 0, store.keys(), store.values(), slots, -1, 10.0);
                    long t1 = System.nanoTime();
                    sink += res.read()[0];
                    fill(rng, k);
                    fill(rng, v);
                    long t2, t3;
                    if (mode.equals("dense")) {
                        double[] prev = new double[slots];
                        for (int m = 0; m < res.slots().length; m++) prev[res.slots()[m]] = res.weights()[m];
                        t2 = System.nanoTime();
                        LruaWrite.Weights w = LruaWrite.weights(0.0, prev, LruaWrite.leastUsed(usage, slots), slots);
                        LruaWrite.eraseAddInPlace(store.keys(), keySize, w.weights(), erase, k);
                        LruaWrite.eraseAddInPlace(store.values(), valueSize, w.weights(), eraseV, v);
                        LruaWrite.updateUsage(usage, 0.95, prev, w.weights());
                        t3 = System.nanoTime();
                        sink += store.keys()[0];
                    } else {
                        t2 = System.nanoTime();
                        store.write(k, v, "c0");
                        t3 = System.nanoTime();
                    }
                    if (r >= 0) {
                        readT[r] = (t1 - t0) / 1e3;
                        writeT[r] = (t3 - t2) / 1e3;
                    }
                }
                if (Double.isNaN(sink)) throw new IllegalStateException("memory benchmark produced NaN");
                rows.add(new Row(slots, mode, mode.equals("dense") ? 0 : topK, median(readT), median(writeT), bytesPerSlot(keySize, valueSize), reps));
            }
        }
        return rows;
    }

    private static void fill(SplittableRandom rng, double[] a) {
        for (int i = 0; i < a.length; i++) a[i] = rng.nextDouble() * 2 - 1;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
