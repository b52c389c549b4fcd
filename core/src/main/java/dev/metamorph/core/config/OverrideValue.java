package dev.metamorph.core.config;

import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A parsed override value: a primitive, a string with interpolations, a list, a map, or (only at
 * the top level, for {@code -m}) a sweep over several values.
 */
public sealed interface OverrideValue {

    /** The value as HOCON text (a sweep has no HOCON form and throws). */
    String toHocon();

    /** The value in override syntax, as a user would type it (used for job overrides in a sweep). */
    String toOverrideText();

    /** A primitive: {@link Long}, {@link Double}, {@link Boolean}, {@link String} or {@code null}. */
    record Primitive(Object value) implements OverrideValue {
        @Override
        public String toHocon() {
            if (value == null) return "null";
            if (value instanceof Double d) {
                if (d.isNaN()) return "\"NaN\"";
                if (d.isInfinite()) return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
                return d.toString();
            }
            if (value instanceof String s) return ConfigUtil.quoteString(s);
            return value.toString();
        }

        @Override
        public String toOverrideText() {
            if (value == null) return "null";
            if (value instanceof String s) return quoteIfNeeded(s);
            if (value instanceof Double d) {
                if (d.isNaN()) return "nan";
                if (d.isInfinite()) return d > 0 ? "inf" : "-inf";
                return toHocon();
            }
            return value.toString();
        }
    }

    /** A reference {@code ${a.b}} to another key, resolved after composition. */
    record Reference(String key) {
        String hocon() {
            return "${" + key + "}";
        }
    }

    /** A string built from literal parts ({@link String}) and {@link Reference}s. */
    record Interpolated(List<Object> parts) implements OverrideValue {
        public Interpolated {
            parts = List.copyOf(parts);
        }

        @Override
        public String toHocon() {
            StringBuilder b = new StringBuilder();
            for (Object p : parts) b.append(p instanceof Reference r ? r.hocon() : ConfigUtil.quoteString((String) p));
            return b.toString();
        }

        @Override
        public String toOverrideText() {
            StringBuilder b = new StringBuilder("'");
            for (Object p : parts) {
                b.append(p instanceof Reference r ? r.hocon() : ((String) p).replace("\\", "\\\\").replace("'", "\\'").replace("$", "\\$"));
            }
            return b.append('\'').toString();
        }
    }

    /** A list {@code [a, b, [1, 2]]}. */
    record Sequence(List<OverrideValue> items) implements OverrideValue {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String toHocon() {
            return items.stream().map(OverrideValue::toHocon).collect(Collectors.joining(",", "[", "]"));
        }

        @Override
        public String toOverrideText() {
            return items.stream().map(OverrideValue::toOverrideText).collect(Collectors.joining(",", "[", "]"));
        }
    }

    /** A map {@code {a: 1, b: {c: 2}}} (insertion order kept). */
    record Mapping(Map<String, OverrideValue> entries) implements OverrideValue {
        public Mapping {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String toHocon() {
            return entries.entrySet().stream().map(e -> ConfigUtil.quoteString(e.getKey()) + ":" + e.getValue().toHocon())
                    .collect(Collectors.joining(",", "{", "}"));
        }

        @Override
        public String toOverrideText() {
            return entries.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue().toOverrideText())
                    .collect(Collectors.joining(",", "{", "}"));
        }
    }

    /**
     * A sweep for {@code -m}: the values one key takes across jobs.
     *
     * @param form    how it was written: {@code list} ({@code a,b,c}), {@code choice} or {@code range}
     * @param options the values, in order
     */
    record Sweep(String form, List<OverrideValue> options) implements OverrideValue {
        public Sweep {
            options = List.copyOf(options);
        }

        @Override
        public String toHocon() {
            throw new IllegalStateException("A sweep has no single HOCON value; expand it with -m/--multirun");
        }

        @Override
        public String toOverrideText() {
            return options.stream().map(OverrideValue::toOverrideText).collect(Collectors.joining(","));
        }

        /** A readable form for messages and tests, e.g. {@code sweep(1,2,3)}. */
        public String describe() {
            return options.stream().map(OverrideValue::toHocon).collect(Collectors.joining(",", "sweep(", ")"));
        }
    }

    /** Quotes a string for override syntax when reading it back would not give the same string. */
    static String quoteIfNeeded(String s) {
        boolean plain = !s.isEmpty() && s.equals(s.strip()) && s.chars().noneMatch(c -> ",[]{}()'\"\\$=:".indexOf(c) >= 0 || c < 0x20)
                && OverrideParser.inferType(s) instanceof String;
        if (plain) return s;
        List<String> escaped = new ArrayList<>();
        for (char c : s.toCharArray()) {
            escaped.add(switch (c) {
                case '\\' -> "\\\\";
                case '\'' -> "\\'";
                case '\n' -> "\\n";
                case '\t' -> "\\t";
                case '\r' -> "\\r";
                case '$' -> "\\$";
                default -> String.valueOf(c);
            });
        }
        return "'" + String.join("", escaped) + "'";
    }
}
