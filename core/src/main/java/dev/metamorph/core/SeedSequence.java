package dev.metamorph.core;

import java.nio.charset.StandardCharsets;

/**
 * Turns the one {@code run.seed} into independent, named generators: {@code seeds.child("sampler")}
 * always gives the same stream for the same root seed and name, whatever else was derived before.
 * Library code receives generators from here and never touches global random state.
 */
public final class SeedSequence {
    private final long seed;

    public SeedSequence(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** A seed derived from this one and a component name (stable across runs and JVMs). */
    public long derive(String name) {
        long h = seed ^ 0x6A09E667F3BCC909L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = SeededRandom.splitMix(h ^ (b & 0xFF)) + 0x9E3779B97F4A7C15L;
        }
        return SeededRandom.splitMix(h);
    }

    /** A generator for one component. */
    public SeededRandom child(String name) {
        return new SeededRandom(derive(name));
    }

    /** A sub-sequence, for components that derive generators of their own. */
    public SeedSequence sub(String name) {
        return new SeedSequence(derive(name));
    }
}
