package dev.metamorph.core.config;

import dev.metamorph.core.config.OverrideValue.Interpolated;
import dev.metamorph.core.config.OverrideValue.Mapping;
import dev.metamorph.core.config.OverrideValue.Primitive;
import dev.metamorph.core.config.OverrideValue.Reference;
import dev.metamorph.core.config.OverrideValue.Sequence;
import dev.metamorph.core.config.OverrideValue.Sweep;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses command-line overrides in Hydra's grammar:
 * <pre>
 *   key=value        set an existing key (or group=option, experiment=name; list.N sets item N)
 *   +key=value       add a key that does not exist (missing parents are created)
 *   ++key=value      add or replace
 *   ~key, ~key=value delete (with a value: only if the current value equals it)
 * </pre>
 * Values: integers ({@code 10}, {@code -3}, {@code 1_000}), floats ({@code 1e-3}, {@code .5},
 * {@code inf}, {@code nan}), booleans, {@code null}, unquoted strings (inner whitespace kept,
 * leading and trailing whitespace dropped; {@code \} escapes a special character), quoted strings
 * {@code '...'} or {@code "..."} with escapes ({@code \' \" \\ \n \t \r \b \f \$ &#92;uXXXX}), lists
 * {@code [a,b,[1,2]]}, maps {@code {a:1,b:{c:2}}} and interpolations {@code ${other.key}} (inside
 * strings too). Sweeps for {@code -m}: {@code a,b,c}, {@code choice(a,b)},
 * {@code range(start,stop[,step])} (stop excluded). Errors point at the offending character.
 */
public final class OverrideParser {
    private static final String KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    private static final String STOP = ",[]{}()'\"";
    private static final Pattern INT = Pattern.compile("[+-]?(\\d+|\\d{1,3}(_\\d{3})+)");
    private static final Pattern FLOAT = Pattern.compile("[+-]?((\\d+\\.\\d*|\\.\\d+)([eE][+-]?\\d+)?|\\d+[eE][+-]?\\d+)");
    private static final int MAX_RANGE = 100_000;

    private final String s;
    private final int index;
    private int pos;
    private int depth;

    private OverrideParser(String text, int index) {
        this.s = text;
        this.index = index;
    }

    /** Parses one override (numbered #1 in messages). */
    public static ConfigOverride parse(String text) {
        return parse(text, 1);
    }

    /** Parses one override; {@code index} is its 1-based position, used in messages. */
    public static ConfigOverride parse(String text, int index) {
        return new OverrideParser(text, index).override();
    }

    /** Parses overrides in order, numbering them from 1. */
    public static List<ConfigOverride> parseAll(List<String> texts) {
        List<ConfigOverride> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) out.add(parse(texts.get(i), i + 1));
        return List.copyOf(out);
    }

    /** The type an unquoted literal reads as: Long, Double, Boolean, String, or null for {@code null}. */
    static Object inferType(String literal) {
        String t = literal.toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "null": return null;
            case "true": return Boolean.TRUE;
            case "false": return Boolean.FALSE;
            case "inf", "+inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            case "nan": return Double.NaN;
            default: break;
        }
        if (INT.matcher(literal).matches()) {
            try {
                return Long.parseLong(literal.replace("_", ""));
            } catch (NumberFormatException e) {
                return new BigDecimal(literal.replace("_", "")).doubleValue();
            }
        }
        if (FLOAT.matcher(literal).matches()) return Double.parseDouble(literal);
        return literal;
    }

    private ConfigError error(int column, String message) {
        return ConfigError.atColumn(index, s, column, message);
    }

    private ConfigOverride override() {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0)) {
                throw error(i, String.format("control character U+%04X in the override; an override is one line of text: "
                        + "write \\n or \\t inside a quoted value ('a\\nb') instead", (int) c));
            }
        }
        ConfigOverride.Kind kind;
        if (s.startsWith("~")) {
            kind = ConfigOverride.Kind.DELETE;
            pos = 1;
        } else if (s.startsWith("++")) {
            kind = ConfigOverride.Kind.FORCE_ADD;
            pos = 2;
        } else if (s.startsWith("+")) {
            kind = ConfigOverride.Kind.ADD;
            pos = 1;
        } else {
            kind = ConfigOverride.Kind.SET;
        }
        String key = key();
        if (pos == s.length()) {
            if (kind == ConfigOverride.Kind.DELETE) return new ConfigOverride(kind, key, null, s, index);
            throw error(pos, "expected '=' after key '" + key + "'");
        }
        if (s.charAt(pos) != '=') {
            throw error(pos, "unexpected character '" + s.charAt(pos) + "' in key (keys hold letters, digits, '_', '-' and '.')");
        }
        pos++;
        int afterEquals = pos;
        skipWs();
        if (pos == s.length()) {
            // Hydra: key= is the empty string (~key= deletes only if the value is ""); only whitespace is an error
            if (pos > afterEquals) throw error(afterEquals, "a value of only whitespace is not allowed; write " + key + "= for the empty string or quote it: " + key + "=' '");
            return new ConfigOverride(kind, key, new Primitive(""), s, index);
        }
        OverrideValue v = topValue();
        if (v instanceof Sweep && kind == ConfigOverride.Kind.DELETE) throw error(s.indexOf('=') + 1, "a delete cannot sweep over values");
        return new ConfigOverride(kind, key, v, s, index);
    }

    private String key() {
        int start = pos;
        while (pos < s.length() && (KEY_CHARS.indexOf(s.charAt(pos)) >= 0 || s.charAt(pos) == '.')) pos++;
        String key = s.substring(start, pos);
        if (key.isEmpty()) {
            if (pos < s.length() && !Character.isWhitespace(s.charAt(pos)) && s.charAt(pos) != '=') {
                throw error(pos, "unexpected character '" + s.charAt(pos) + "' at the start of a key");
            }
            throw error(pos, "expected a key");
        }
        if (key.startsWith(".")) throw error(start, "a key cannot start with '.'");
        if (key.endsWith(".")) throw error(pos - 1, "a key cannot end with '.'");
        int dots = key.indexOf("..");
        if (dots >= 0) throw error(start + dots + 1, "empty key segment between dots");
        if (key.chars().filter(ch -> ch == '.').count() >= HoconDepth.MAX_DEPTH) {
            throw error(start, "the key has more than " + HoconDepth.MAX_DEPTH + " segments; no configuration key is that deep");
        }
        return key;
    }

    private void skipWs() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    private OverrideValue topValue() {
        int start = pos;
        OverrideValue first = element(true);
        skipWs();
        if (first instanceof Sweep) {
            if (pos < s.length()) {
                throw error(pos, s.charAt(pos) == ',' ? "a sweep function cannot be combined with ',' (put all values inside it)"
                        : "unexpected character '" + s.charAt(pos) + "' after the sweep");
            }
            return first;
        }
        if (pos < s.length() && s.charAt(pos) == ',') {
            List<OverrideValue> options = new ArrayList<>();
            options.add(first);
            while (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                skipWs();
                if (pos == s.length()) throw error(pos, "expected a value after ','");
                OverrideValue next = element(false);
                options.add(next);
                skipWs();
            }
            if (pos < s.length()) throw error(pos, "unexpected character '" + s.charAt(pos) + "'");
            return new Sweep("list", options);
        }
        if (pos < s.length()) {
            char c = s.charAt(pos);
            throw error(pos, c == ']' || c == '}' || c == ')' ? "unmatched '" + c + "'" : "unexpected character '" + c + "' (quote the value if it is part of a string)");
        }
        if (start == pos) throw error(pos, "expected a value");
        return first;
    }

    /** One value: list, map, quoted string, primitive, or (when allowed) a sweep function. */
    private OverrideValue element(boolean sweepAllowed) {
        skipWs();
        if (pos == s.length()) throw error(pos, "expected a value");
        char c = s.charAt(pos);
        return switch (c) {
            case '[' -> list();
            case '{' -> map();
            case '\'', '"' -> quotedElement();
            default -> primitive(sweepAllowed);
        };
    }

    private void enter(int open) {
        if (++depth > HoconDepth.MAX_DEPTH) {
            throw error(open, "the value nests more than " + HoconDepth.MAX_DEPTH + " lists or maps deep; flatten it");
        }
    }

    private Sequence list() {
        int open = pos++;
        enter(open);
        List<OverrideValue> items = new ArrayList<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == ']') {
            pos++;
            depth--;
            return new Sequence(items);
        }
        while (true) {
            if (pos == s.length()) throw error(open, "unclosed '[' (expected ']')");
            items.add(element(false));
            skipWs();
            if (pos == s.length()) throw error(open, "unclosed '[' (expected ']')");
            char c = s.charAt(pos);
            if (c == ']') {
                pos++;
                depth--;
                return new Sequence(items);
            }
            if (c != ',') throw error(pos, "expected ',' or ']' in list, found '" + c + "'");
            pos++;
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ']') throw error(pos, "expected a value after ',' in list");
        }
    }

    private Mapping map() {
        int open = pos++;
        enter(open);
        Map<String, OverrideValue> entries = new LinkedHashMap<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == '}') {
            pos++;
            depth--;
            return new Mapping(entries);
        }
        while (true) {
            skipWs();
            if (pos == s.length()) throw error(open, "unclosed '{' (expected '}')");
            int keyStart = pos;
            String key;
            if (s.charAt(pos) == '\'' || s.charAt(pos) == '"') {
                OverrideValue q = quoted();
                if (!(q instanceof Primitive p)) throw error(keyStart, "a map key cannot hold an interpolation");
                key = (String) p.value();
            } else {
                while (pos < s.length() && KEY_CHARS.indexOf(s.charAt(pos)) >= 0) pos++;
                key = s.substring(keyStart, pos);
                if (key.isEmpty()) {
                    throw error(pos, pos == s.length() ? "unclosed '{' (expected '}')" : "expected a key in map, found '" + s.charAt(pos) + "'");
                }
            }
            if (entries.containsKey(key)) throw error(keyStart, "duplicate key '" + key + "' in map");
            skipWs();
            if (pos == s.length() || s.charAt(pos) != ':') {
                throw error(pos, "expected ':' after map key '" + key + "'");
            }
            pos++;
            skipWs();
            if (pos < s.length() && (s.charAt(pos) == ',' || s.charAt(pos) == '}')) throw error(pos, "expected a value for map key '" + key + "'");
            entries.put(key, element(false));
            skipWs();
            if (pos == s.length()) throw error(open, "unclosed '{' (expected '}')");
            char c = s.charAt(pos);
            if (c == '}') {
                pos++;
                depth--;
                return new Mapping(entries);
            }
            if (c != ',') throw error(pos, "expected ',' or '}' in map, found '" + c + "'");
            pos++;
        }
    }

    private OverrideValue quotedElement() {
        OverrideValue v = quoted();
        skipWs();
        if (pos < s.length() && (STOP.indexOf(s.charAt(pos)) < 0 || s.charAt(pos) == '\'' || s.charAt(pos) == '"')) {
            throw error(pos, "unexpected character '" + s.charAt(pos) + "' after the closing quote");
        }
        return v;
    }

    private OverrideValue quoted() {
        int open = pos;
        char q = s.charAt(pos++);
        List<Object> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        while (true) {
            if (pos == s.length()) throw error(open, "unclosed quote " + q + " (expected a closing " + q + ")");
            char c = s.charAt(pos);
            if (c == q) {
                pos++;
                break;
            }
            if (c == '\\') {
                lit.append(quotedEscape());
            } else if (c == '$' && pos + 1 < s.length() && s.charAt(pos + 1) == '{') {
                interpolation(parts, lit);
            } else {
                lit.append(c);
                pos++;
            }
        }
        return finish(parts, lit, false);
    }

    private char quotedEscape() {
        int at = pos;
        if (pos + 1 == s.length()) throw error(at, "dangling '\\' at the end");
        char e = s.charAt(pos + 1);
        pos += 2;
        switch (e) {
            case '\\': return '\\';
            case '\'': return '\'';
            case '"': return '"';
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'b': return '\b';
            case 'f': return '\f';
            case '$': return '$';
            case 'u':
                if (pos + 4 > s.length() || !s.substring(pos, pos + 4).matches("[0-9a-fA-F]{4}")) {
                    throw error(at, "\\u needs four hex digits");
                }
                char u = (char) Integer.parseInt(s.substring(pos, pos + 4), 16);
                pos += 4;
                return u;
            default:
                throw error(at, "unknown escape '\\" + e + "' (known: \\' \\\" \\\\ \\n \\t \\r \\b \\f \\$ \\uXXXX)");
        }
    }

    /** Reads {@code ${key}} at pos into parts; {@code ${name:args}} resolvers stay literal text. */
    private void interpolation(List<Object> parts, StringBuilder lit) {
        int start = pos;
        int close = s.indexOf('}', pos + 2);
        if (close < 0) throw error(start, "unclosed interpolation '${' (expected '}')");
        String body = s.substring(pos + 2, close);
        pos = close + 1;
        if (body.contains(":")) {
            lit.append("${").append(body).append('}');
            return;
        }
        if (body.isEmpty() || !body.matches("[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*")) {
            throw error(start + 2, "bad interpolation key '" + body + "' (expected ${dotted.key})");
        }
        if (lit.length() > 0) {
            parts.add(lit.toString());
            lit.setLength(0);
        }
        parts.add(new Reference(body));
    }

    private OverrideValue primitive(boolean sweepAllowed) {
        int start = pos;
        List<Object> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        boolean escaped = false;
        int trimTo = 0;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (STOP.indexOf(c) >= 0) break;
            if (c == '\\') {
                if (pos + 1 == s.length()) throw error(pos, "dangling '\\' at the end");
                char e = s.charAt(pos + 1);
                if (!(STOP.indexOf(e) >= 0 || "\\=:$ ".indexOf(e) >= 0 || Character.isWhitespace(e))) {
                    throw error(pos, "unknown escape '\\" + e + "' in an unquoted value (quote the value for \\n, \\t...)");
                }
                lit.append(e);
                pos += 2;
                escaped = true;
                trimTo = lit.length();
            } else if (c == '$' && pos + 1 < s.length() && s.charAt(pos + 1) == '{') {
                interpolation(parts, lit);
                trimTo = lit.length();
            } else {
                lit.append(c);
                pos++;
                if (!Character.isWhitespace(c)) trimTo = lit.length();
            }
        }
        lit.setLength(Math.max(trimTo, 0));
        if (pos < s.length() && s.charAt(pos) == '(') {
            String name = s.substring(start, pos).strip();
            if (!parts.isEmpty() || escaped || !name.matches("[A-Za-z_]+")) throw error(pos, "unexpected '(' (quote the value if it is part of a string)");
            if (!name.equals("range") && !name.equals("choice")) throw error(start, "unknown function '" + name + "' (known: range, choice)");
            if (!sweepAllowed) throw error(start, name + "(...) is a sweep and can only be the whole value of an override");
            return name.equals("range") ? range(start) : choice(start);
        }
        if (parts.isEmpty() && lit.length() == 0) {
            if (pos == s.length()) throw error(pos, "expected a value");
            throw error(pos, "expected a value, found '" + s.charAt(pos) + "'");
        }
        if (parts.isEmpty() && !escaped) return new Primitive(inferType(lit.toString()));
        return finish(parts, lit, escaped);
    }

    private OverrideValue finish(List<Object> parts, StringBuilder lit, boolean escaped) {
        if (lit.length() > 0 || parts.isEmpty()) parts.add(lit.toString());
        if (parts.size() == 1 && parts.get(0) instanceof String str) return new Primitive(str);
        return new Interpolated(parts);
    }

    private List<OverrideValue> arguments(String name) {
        pos++; // '('
        int open = pos - 1;
        List<OverrideValue> args = new ArrayList<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == ')') {
            pos++;
            return args;
        }
        while (true) {
            if (pos == s.length()) throw error(open, "unclosed '(' of " + name + "(...) (expected ')')");
            args.add(element(false));
            skipWs();
            if (pos == s.length()) throw error(open, "unclosed '(' of " + name + "(...) (expected ')')");
            char c = s.charAt(pos);
            if (c == ')') {
                pos++;
                return args;
            }
            if (c != ',') throw error(pos, "expected ',' or ')' in " + name + "(...), found '" + c + "'");
            pos++;
        }
    }

    private Sweep choice(int start) {
        List<OverrideValue> args = arguments("choice");
        if (args.isEmpty()) throw error(start, "choice() needs at least one value");
        return new Sweep("choice", args);
    }

    private Sweep range(int start) {
        List<OverrideValue> args = arguments("range");
        if (args.size() < 2 || args.size() > 3) throw error(start, "range needs (start, stop) or (start, stop, step), got " + args.size() + " argument(s)");
        List<Number> n = new ArrayList<>();
        boolean allInts = true;
        for (OverrideValue a : args) {
            if (!(a instanceof Primitive p) || !(p.value() instanceof Long || p.value() instanceof Double)) {
                throw error(start, "range arguments must be numbers, got " + a.toOverrideText());
            }
            Number num = (Number) p.value();
            if (num instanceof Double d && (d.isNaN() || d.isInfinite())) throw error(start, "range arguments must be finite numbers");
            allInts &= num instanceof Long;
            n.add(num);
        }
        BigDecimal from = new BigDecimal(n.get(0).toString());
        BigDecimal to = new BigDecimal(n.get(1).toString());
        BigDecimal step = n.size() == 3 ? new BigDecimal(n.get(2).toString()) : BigDecimal.ONE;
        if (step.signum() == 0) throw error(start, "range step must not be 0");
        List<OverrideValue> options = new ArrayList<>();
        for (BigDecimal v = from; step.signum() > 0 ? v.compareTo(to) < 0 : v.compareTo(to) > 0; v = v.add(step)) {
            if (options.size() == MAX_RANGE) throw error(start, "range has more than " + MAX_RANGE + " values");
            options.add(new Primitive(allInts ? (Object) v.longValueExact() : (Object) v.doubleValue()));
        }
        if (options.isEmpty()) throw error(start, "range(" + n.get(0) + ", " + n.get(1) + ", " + step + ") is empty");
        return new Sweep("range", options);
    }
}
