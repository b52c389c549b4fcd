package dev.metamorph.datasets;

import dev.metamorph.core.SeedSequence;

/**
 * A record-level split (train / val / test) decided by a stable hash of the record id and a seed, for
 * non-episodic uses such as pretraining with a held-out set. The same id and seed always give the same
 * split, whatever the file order or the other records.
 */
public enum RecordSplit {
    TRAIN, VAL, TEST;

    /**
     * The split of one record id.
     *
     * @param valFraction share of records in VAL, in [0, 1]
     * @param testFraction share of records in TEST, in [0, 1]; val + test must not exceed 1
     */
    public static RecordSplit of(String id, long seed, double valFraction, double testFraction) {
        if (!(valFraction >= 0 && testFraction >= 0 && valFraction + testFraction <= 1)) {
            throw new IllegalArgumentException("val and test fractions must be >= 0 and add up to at most 1, got "
                    + valFraction + " and " + testFraction);
        }
        double u = (new SeedSequence(seed).derive(id) >>> 11) * 0x1.0p-53;
        if (u < testFraction) return TEST;
        if (u < testFraction + valFraction) return VAL;
        return TRAIN;
    }
}
