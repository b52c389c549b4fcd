package dev.metamorph.memory;

import java.util.Locale;

/** Which slot a full {@link MemoryState} overwrites. */
public enum EvictionPolicy {
    /** The slot of smallest usage (decayed read and write weights; ties: the older write, then the lower slot), as LRUA. */
    LEAST_USED,
    /** The slot written longest ago (first in, first out). */
    OLDEST;

    /** The HOCON spelling ({@code least-used}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses the HOCON spelling; the error names {@code where} and the accepted values. */
    public static EvictionPolicy parse(String value, String where) {
        for (EvictionPolicy p : values()) if (p.key().equals(value.trim().toLowerCase(Locale.ROOT))) return p;
        throw new IllegalArgumentException(where + ": unknown eviction policy '" + value + "'; expected least-used or oldest");
    }
}
