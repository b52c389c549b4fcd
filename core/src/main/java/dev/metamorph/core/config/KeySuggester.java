package dev.metamorph.core.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the valid key closest to a misspelt one by edit distance on the full dotted path, and lists
 * the dotted paths of a config tree. Shared by the composer and the modules' config records.
 */
public final class KeySuggester {
    private KeySuggester() {}

    /** The closest candidate, if it is close enough to be a plausible typo. */
    public static Optional<String> closest(String key, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            if (c.equals(key)) continue;
            int d = distance(key.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance || (d == bestDistance && best != null && c.compareTo(best) < 0)) {
                best = c;
                bestDistance = d;
            }
        }
        if (best == null) return Optional.empty();
        int limit = Math.max(2, Math.min(key.length(), best.length()) / 3);
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** " (did you mean x?)" or "". */
    public static String hint(String key, Collection<String> candidates) {
        return closest(key, candidates).map(s -> "; did you mean " + s + "?").orElse("");
    }

    /** Every dotted path (objects and leaves) under {@code root}. */
    public static java.util.Set<String> allPaths(com.typesafe.config.ConfigObject root) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        collect(root, new java.util.ArrayList<>(), out);
        return out;
    }

    private static void collect(com.typesafe.config.ConfigObject obj, java.util.List<String> prefix, java.util.Set<String> out) {
        for (var e : obj.entrySet()) {
            prefix.add(e.getKey());
            out.add(com.typesafe.config.ConfigUtil.joinPath(prefix));
            if (e.getValue() instanceof com.typesafe.config.ConfigObject child) collect(child, prefix, out);
            prefix.remove(prefix.size() - 1);
        }
    }

    /** Damerau-Levenshtein distance (optimal string alignment: adjacent swaps cost 1). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
