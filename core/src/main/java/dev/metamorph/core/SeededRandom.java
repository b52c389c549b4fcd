package dev.metamorph.core;

import java.util.random.RandomGenerator;

/**
 * A small, fast, deterministic generator (xoshiro256**) whose whole state can be saved and
 * restored, so that checkpoints resume the exact random stream. Not thread-safe: one per component.
 */
public final class SeededRandom implements RandomGenerator {
    private long s0, s1, s2, s3;

    public SeededRandom(long seed) {
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
    }

    private SeededRandom(long[] state) {
        restore(state);
    }

    /** A generator continuing exactly from a state obtained with {@link #state()}. */
    public static SeededRandom fromState(long[] state) {
        return new SeededRandom(state);
    }

    static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** A copy of the four state words; the caller owns the array. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3};
    }

    /** Continues from a saved state. */
    public void restore(long[] state) {
        if (state.length != 4) throw new IllegalArgumentException("SeededRandom state has 4 words, got " + state.length);
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new IllegalArgumentException("SeededRandom state must not be all zero");
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
    }

    /** An independent copy that continues the same stream. */
    public SeededRandom copy() {
        return new SeededRandom(state());
    }
}
