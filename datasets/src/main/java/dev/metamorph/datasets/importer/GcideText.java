package dev.metamorph.datasets.importer;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cleans GCIDE's dictd text: entity brackets ({@code [ae]}, {@code [=a]}, {@code ['e]}) become
 * letters, {@code {cross references}} are unwrapped, markup tags and the remaining bracket groups
 * (etymologies, {@code [Obs.]}, source markers) are removed, and so are author citations
 * ({@code --Shak.}).
 */
final class GcideText {
    private static final Pattern ENTITY = Pattern.compile("\\[([=.\\-~^\"'`,*]?)([A-Za-z]{1,2})([\\^~]?)\\]");
    private static final Pattern NAMED = Pattern.compile("\\[([a-z]{2,5})\\]");
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("imac", "i"), Map.entry("aum", "a"), Map.entry("eth", "th"), Map.entry("deg", "°"),
            Map.entry("sect", "§"), Map.entry("root", "√"), Map.entry("add", "+"), Map.entry("ng", "ng"),
            Map.entry("udd", "u"), Map.entry("yogh", "y"), Map.entry("th", "th"), Map.entry("oo", "oo"),
            Map.entry("beta", "beta"), Map.entry("alpha", "alpha"), Map.entry("phi", "phi"), Map.entry("ae", "ae"),
            Map.entry("oe", "oe"), Map.entry("asl", ""), Map.entry("bar", ""));
    private static final Pattern TAG = Pattern.compile("</?[A-Za-z][^<>]{0,30}>");
    private static final Pattern BRACES = Pattern.compile("\\{([^{}]*)\\}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*\\]");
    private static final Pattern CITATION = Pattern.compile("\\s*--\\s?[A-Z].*$", Pattern.MULTILINE);
    private static final Pattern STRAY = Pattern.compile("[\\[\\]{}\\\\]");
    private static final Pattern SUBSENSE = Pattern.compile("(^|\\s)\\([a-h]\\)\\s");

    private GcideText() {}

    /** Converts entity brackets to letters (call before {@link #clean}, which drops other brackets). */
    static String entities(String text) {
        Matcher m = ENTITY.matcher(text);
        StringBuilder sb = new StringBuilder(text.length());
        while (m.find()) {
            boolean accent = !m.group(1).isEmpty() || !m.group(3).isEmpty() || m.group(2).equalsIgnoreCase("ae") || m.group(2).equalsIgnoreCase("oe");
            m.appendReplacement(sb, Matcher.quoteReplacement(accent ? m.group(2) : m.group()));
        }
        m.appendTail(sb);
        Matcher n = NAMED.matcher(sb.toString());
        StringBuilder sb2 = new StringBuilder(sb.length());
        while (n.find()) {
            String v = NAMES.get(n.group(1));
            n.appendReplacement(sb2, Matcher.quoteReplacement(v != null ? v : n.group()));
        }
        n.appendTail(sb2);
        return sb2.toString();
    }

    /** Full clean-up of one sense's text (lines still separated by newlines). */
    static String clean(String text) {
        String t = entities(text);
        t = CITATION.matcher(t).replaceAll("");
        t = TAG.matcher(t).replaceAll("");
        t = replaceInnermost(BRACES, t, "$1");
        t = replaceInnermost(BRACKETS, t, " ");
        t = SUBSENSE.matcher(t).replaceAll("$1 ");
        t = STRAY.matcher(t).replaceAll(" ");
        return TagStripper.tidy(t.replace('\u00a0', ' '));
    }

    private static String replaceInnermost(Pattern p, String text, String replacement) {
        String prev;
        String t = text;
        int guard = 0;
        do {
            prev = t;
            t = p.matcher(t).replaceAll(replacement);
        } while (!t.equals(prev) && ++guard < 10);
        return t;
    }
}
