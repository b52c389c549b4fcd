package dev.metamorph.datasets;

/** The three disjoint class sets of a domain: classes seen in meta-training never appear at meta-test. */
public enum ClassSplit {
    META_TRAIN("meta-train"),
    META_VAL("meta-val"),
    META_TEST("meta-test");

    private final String key;

    ClassSplit(String key) {
        this.key = key;
    }

    /** The config key and display name ({@code meta-train}...). */
    public String key() {
        return key;
    }

    public static ClassSplit fromKey(String key) {
        for (ClassSplit s : values()) if (s.key.equals(key)) return s;
        throw new IllegalArgumentException("Unknown class split '" + key + "'; expected meta-train, meta-val or meta-test");
    }
}
