package dev.metamorph.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class SeedSequenceTest {
    @Test
    void sameSeedAndNameGiveTheSameStream() {
        SeededRandom a = new SeedSequence(42).child("sampler");
        SeededRandom b = new SeedSequence(42).child("sampler");
        for (int i = 0; i < 100; i++) assertEquals(a.nextLong(), b.nextLong());
    }

    @Test
    void differentNamesAndSeedsGiveDifferentStreams() {
        assertNotEquals(new SeedSequence(42).derive("sampler"), new SeedSequence(42).derive("model"));
        assertNotEquals(new SeedSequence(42).derive("sampler"), new SeedSequence(43).derive("sampler"));
    }

    @Test
    void restoredStateContinuesTheStream() {
        SeededRandom a = new SeedSequence(7).child("x");
        for (int i = 0; i < 10; i++) a.nextDouble();
        long[] saved = a.state();
        double[] expected = new double[5];
        for (int i = 0; i < 5; i++) expected[i] = a.nextDouble();
        SeededRandom b = SeededRandom.fromState(saved);
        double[] actual = new double[5];
        for (int i = 0; i < 5; i++) actual[i] = b.nextDouble();
        assertArrayEquals(expected, actual);
    }
}
