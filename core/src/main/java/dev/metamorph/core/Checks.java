package dev.metamorph.core;

/** Argument checks whose messages name the offending key or argument and what was found. */
public final class Checks {
    private Checks() {}

    public static int positive(String key, int value) {
        if (value <= 0) throw new IllegalArgumentException(key + " must be >= 1, got " + value);
        return value;
    }

    public static long positive(String key, long value) {
        if (value <= 0) throw new IllegalArgumentException(key + " must be >= 1, got " + value);
        return value;
    }

    public static int nonNegative(String key, int value) {
        if (value < 0) throw new IllegalArgumentException(key + " must be >= 0, got " + value);
        return value;
    }

    public static double positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) throw new IllegalArgumentException(key + " must be a finite number > 0, got " + value);
        return value;
    }

    public static double nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) throw new IllegalArgumentException(key + " must be a finite number >= 0, got " + value);
        return value;
    }

    /** Checks lo &lt; value &lt; hi. */
    public static double inOpenRange(String key, double value, double lo, double hi) {
        if (!(value > lo && value < hi)) throw new IllegalArgumentException(key + " must be in (" + lo + ", " + hi + "), got " + value);
        return value;
    }

    /** Checks lo &lt;= value &lt;= hi. */
    public static double inClosedRange(String key, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "], got " + value);
        return value;
    }

    public static <T> T notNull(String key, T value) {
        if (value == null) throw new IllegalArgumentException(key + " must be set");
        return value;
    }

    public static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(key + " must be a non-empty string");
        return value;
    }

    public static void check(boolean condition, String messageFormat, Object... args) {
        if (!condition) throw new IllegalArgumentException(String.format(messageFormat, args));
    }
}
