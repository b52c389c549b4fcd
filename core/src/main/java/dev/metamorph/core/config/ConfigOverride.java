package dev.metamorph.core.config;

/**
 * One parsed command-line override.
 *
 * @param kind  what it does
 * @param key   dotted key, or a group name for a group choice
 * @param value the value; {@code null} for {@code ~key} without a value
 * @param text  the override exactly as typed
 * @param index 1-based position among the overrides (for messages: {@code override #2 '...'})
 */
public record ConfigOverride(Kind kind, String key, OverrideValue value, String text, int index) {

    /** The four override forms of Hydra's grammar. */
    public enum Kind {
        /** {@code key=value}: the key must exist (or {@code group=option}). */
        SET,
        /** {@code +key=value}: adds a key, creating missing parent objects; an error if it exists. */
        ADD,
        /** {@code ++key=value}: adds (creating missing parents) or replaces. */
        FORCE_ADD,
        /** {@code ~key} or {@code ~key=value}: deletes (with a value, only if it is equal). */
        DELETE
    }

    /** Whether the value is a sweep (only valid with {@code -m/--multirun}). */
    public boolean isSweep() {
        return value instanceof OverrideValue.Sweep;
    }

    /** Where this override came from, for messages: {@code override #k 'text'}. */
    public String origin() {
        return "override #" + index + " '" + text + "'";
    }

    /** A copy with another (non-sweep) value, as a sweep job sees it; its text is rewritten to match. */
    public ConfigOverride withValue(OverrideValue v) {
        String prefix = switch (kind) {
            case SET -> "";
            case ADD -> "+";
            case FORCE_ADD -> "++";
            case DELETE -> "~";
        };
        return new ConfigOverride(kind, key, v, prefix + key + "=" + v.toOverrideText(), index);
    }

    /** A readable form used by tests and logs, e.g. {@code set maml.inner-lr = 0.05}. */
    public String describe() {
        String k = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " " + key;
        if (value == null) return k;
        return k + " = " + (value instanceof OverrideValue.Sweep s ? s.describe() : value.toHocon());
    }
}
