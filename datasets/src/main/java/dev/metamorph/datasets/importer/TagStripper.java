package dev.metamorph.datasets.importer;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes label tags from definition texts so that the model never sees its answer: parenthesised
 * field tags such as {@code (law)} or {@code (Mus.)} and FOLDOC's {@code <category>} tags.
 */
final class TagStripper {
    private static final Pattern PAREN = Pattern.compile("\\(\\s*([^()]{1,60}?)\\s*\\)");
    private static final Pattern LEADING_PAREN = Pattern.compile("^\\s*\\(\\s*([^()]{1,60}?)\\s*\\)\\s*");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern SPACE_BEFORE_PUNCT = Pattern.compile(" +([,;:.!?])");
    private static final Pattern LEADING_PUNCT = Pattern.compile("^[\\s,;:.]+");
    private static final Pattern EMPTY_PARENS = Pattern.compile("\\(\\s*\\)");

    private TagStripper() {}

    private static final Pattern SHORT_LOWER = Pattern.compile("[a-z][a-z \\-]{0,30}");

    /**
     * Removes leading parenthesised tags that name a known field ({@code knownTags}, lower case) or
     * are a short lower-case note ({@code (sports)}, {@code (cards)}, {@code (of persons)}: WordNet puts
     * field hints there), and every parenthesised occurrence of {@code label} anywhere in the text.
     */
    static String stripParenTags(String text, Collection<String> knownTags, String label) {
        String t = text;
        while (true) {
            Matcher m = LEADING_PAREN.matcher(t);
            if (m.find() && (knownTags.contains(m.group(1).toLowerCase(Locale.ROOT)) || SHORT_LOWER.matcher(m.group(1)).matches())) {
                t = t.substring(m.end());
            } else {
                break;
            }
        }
        t = removeParen(t, s -> s.equalsIgnoreCase(label));
        return tidy(t);
    }

    /** Removes every parenthesised group whose content satisfies {@code drop}. */
    static String removeParen(String text, java.util.function.Predicate<String> drop) {
        Matcher m = PAREN.matcher(text);
        StringBuilder sb = new StringBuilder(text.length());
        while (m.find()) m.appendReplacement(sb, drop.test(m.group(1)) ? " " : Matcher.quoteReplacement(m.group()));
        m.appendTail(sb);
        return sb.toString();
    }

    /** Collapses white space, removes punctuation left at the start and spaces before punctuation. */
    static String tidy(String text) {
        String t = SPACES.matcher(text).replaceAll(" ").trim();
        t = SPACE_BEFORE_PUNCT.matcher(t).replaceAll("$1");
        t = LEADING_PUNCT.matcher(t).replaceAll("");
        t = EMPTY_PARENS.matcher(t).replaceAll("");
        return SPACES.matcher(t).replaceAll(" ").trim();
    }
}
