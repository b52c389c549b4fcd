package dev.metamorph.model.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a text into words before subword encoding: NFKC-normalised, lower-cased (ROOT locale),
 * runs of letters and digits form words, every other non-space character is a word of its own.
 */
public final class Pretokenizer {
    private Pretokenizer() {}

    public static List<String> words(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isISOControl(cp)) {
                i += len;
            } else if (Character.isLetterOrDigit(cp)) {
                int j = i;
                while (j < n) {
                    int c = s.codePointAt(j);
                    if (!Character.isLetterOrDigit(c)) break;
                    j += Character.charCount(c);
                }
                out.add(s.substring(i, j));
                i = j;
            } else {
                out.add(s.substring(i, i + len));
                i += len;
            }
        }
        return out;
    }
}
