package dev.metamorph.datasets.importer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * GCIDE field abbreviations mapped to field names aligned with WordNet's topic domains, read from the
 * data file {@code gcide-fields.tsv} (abbreviation TAB field; {@code #} comments). Unmapped tags that
 * are plain words ({@code Golf}, {@code Mining}) become their lower-case form; unmapped abbreviations
 * and compounds ({@code Rom. Antiq.}, {@code Bot. & Zool.}) have no label.
 */
public final class GcideFieldMap {
    static final String RESOURCE = "dev/metamorph/datasets/importer/gcide-fields.tsv";
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z]+( [A-Za-z]+){0,2}");

    private final Map<String, String> fields;

    private GcideFieldMap(Map<String, String> fields) {
        this.fields = fields;
    }

    /** The mapping shipped with the module. */
    public static GcideFieldMap load() {
        InputStream in = GcideFieldMap.class.getClassLoader().getResourceAsStream(RESOURCE);
        if (in == null) throw new IllegalStateException("Missing resource " + RESOURCE + " in the datasets jar; rebuild the module");
        Map<String, String> m = new TreeMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                if (f.length != 2 || f[0].isBlank() || f[1].isBlank()) {
                    throw new IllegalStateException(RESOURCE + ":" + n + ": expected 'abbreviation TAB field', got '" + line + "'");
                }
                String key = key(f[0]);
                if (m.containsKey(key)) throw new IllegalStateException(RESOURCE + ":" + n + ": '" + f[0] + "' is mapped twice");
                m.put(key, f[1].trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        return new GcideFieldMap(Collections.unmodifiableMap(m));
    }

    /** The field name for a raw tag such as {@code Mus.}, or null when the tag has no honest label. */
    public String label(String rawTag) {
        String k = key(rawTag);
        String mapped = fields.get(k);
        if (mapped != null) return mapped;
        String plain = rawTag.trim();
        if (plain.endsWith(".")) return null;
        return PLAIN.matcher(plain).matches() ? plain.toLowerCase(Locale.ROOT) : null;
    }

    /** True when the tag is in the data file. */
    public boolean isMapped(String rawTag) {
        return fields.containsKey(key(rawTag));
    }

    /** Mapped abbreviations and their fields. */
    public Map<String, String> entries() {
        return fields;
    }

    /** Normalises spacing so {@code R.C.Ch.} and {@code R. C. Ch.} match. */
    static String key(String tag) {
        StringBuilder sb = new StringBuilder(tag.length());
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (!Character.isWhitespace(c)) sb.append(Character.toLowerCase(c));
        }
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) == '.') sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
