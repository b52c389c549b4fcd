package dev.metamorph.model.tokenizer;

import dev.metamorph.model.TokenBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-pair-encoding subword tokenizer (train it with {@link BpeTrainer}). Id 0 is [PAD], id 1
 * is [UNK] (characters outside the learned alphabet). {@link #encode} keeps at most
 * {@code maxLength} tokens, the first ones ({@link Truncation#HEAD}) or the last ones
 * ({@link Truncation#TAIL}). Encoding is deterministic: within a word the lowest-ranked merge is
 * applied first, left to right. Not thread-safe (it caches encoded words).
 */
public final class BpeTokenizer {
    /** Format tag and version of {@link #write}. */
    public static final String FORMAT = "metamorph-bpe";
    public static final int FORMAT_VERSION = 1;
    public static final String PAD_TOKEN = "[PAD]";
    public static final String UNK_TOKEN = "[UNK]";
    public static final int PAD = TokenBatch.PAD;
    public static final int UNK = 1;
    static final String CONTINUATION = "##";
    private static final int WORD_CACHE = 200_000;

    /** Which tokens survive when a text is longer than the maximum length. */
    public enum Truncation { HEAD, TAIL }

    private final List<String> vocab;
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<int[]> merges;
    private final Map<Long, int[]> rankAndResult = new HashMap<>();
    private final int maxLength;
    private final Truncation truncation;
    private final Map<String, int[]> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> e) {
            return size() > WORD_CACHE;
        }
    };

    BpeTokenizer(List<String> vocab, List<int[]> merges, int maxLength, Truncation truncation) {
        if (vocab.size() < 2 || !vocab.get(PAD).equals(PAD_TOKEN) || !vocab.get(UNK).equals(UNK_TOKEN)) {
            throw new IllegalArgumentException("A BPE vocabulary must start with " + PAD_TOKEN + " and " + UNK_TOKEN);
        }
        if (maxLength < 1) throw new IllegalArgumentException("Tokenizer max length must be >= 1, got " + maxLength);
        this.vocab = List.copyOf(vocab);
        this.merges = new ArrayList<>();
        this.maxLength = maxLength;
        this.truncation = truncation;
        for (int i = 0; i < vocab.size(); i++) {
            if (ids.put(vocab.get(i), i) != null) throw new IllegalArgumentException("Duplicate token '" + vocab.get(i) + "' in the vocabulary at id " + i);
        }
        for (int r = 0; r < merges.size(); r++) {
            int[] m = merges.get(r);
            for (int v : m) if (v < 0 || v >= vocab.size()) throw new IllegalArgumentException("Merge " + r + " refers to id " + v + " outside the vocabulary of " + vocab.size());
            this.merges.add(m.clone());
            rankAndResult.putIfAbsent(((long) m[0] << 32) | (m[1] & 0xffffffffL), new int[] {r, m[2]});
        }
    }

    /** Number of ids. */
    public int vocabSize() {
        return vocab.size();
    }

    public int maxLength() {
        return maxLength;
    }

    public Truncation truncation() {
        return truncation;
    }

    public String token(int id) {
        return vocab.get(id);
    }

    /** Token ids of a text, truncated to {@link #maxLength()}; never contains [PAD]. */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        for (String w : Pretokenizer.words(text)) for (int id : encodeWord(w)) out.add(id);
        int n = out.size();
        int from = n <= maxLength || truncation == Truncation.HEAD ? 0 : n - maxLength;
        int to = Math.min(n, from + maxLength);
        int[] ids = new int[to - from];
        for (int i = from; i < to; i++) ids[i - from] = out.get(i);
        return ids;
    }

    /** Token strings of a text (for inspection). */
    public List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (int id : encode(text)) out.add(vocab.get(id));
        return out;
    }

    /** A batch of texts padded with [PAD] to the longest encoded text (at least one position). */
    public TokenBatch batch(List<String> texts, int[] labels) {
        if (texts.size() != labels.length) throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        int[][] ids = new int[texts.size()][];
        int t = 1;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encode(texts.get(i));
            t = Math.max(t, ids[i].length);
        }
        for (int i = 0; i < ids.length; i++) ids[i] = Arrays.copyOf(ids[i], t);
        return TokenBatch.of(ids, labels);
    }

    int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) return cached;
        List<String> syms = initialSymbols(word);
        int[] w = new int[syms.size()];
        for (int i = 0; i < w.length; i++) w[i] = ids.getOrDefault(syms.get(i), UNK);
        while (w.length > 1) {
            int bestRank = Integer.MAX_VALUE, bestResult = -1, bestA = -1, bestB = -1;
            for (int i = 0; i + 1 < w.length; i++) {
                int[] rr = rankAndResult.get(((long) w[i] << 32) | (w[i + 1] & 0xffffffffL));
                if (rr != null && rr[0] < bestRank) {
                    bestRank = rr[0];
                    bestResult = rr[1];
                    bestA = w[i];
                    bestB = w[i + 1];
                }
            }
            if (bestResult < 0) break;
            w = applyMerge(w, bestA, bestB, bestResult);
        }
        cache.put(word, w);
        return w;
    }

    /** "abc" becomes ["a", "##b", "##c"] (code points). */
    static List<String> initialSymbols(String word) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < word.length()) {
            int cp = word.codePointAt(i);
            String c = new String(Character.toChars(cp));
            out.add(i == 0 ? c : CONTINUATION + c);
            i += Character.charCount(cp);
        }
        return out;
    }

    static String concat(String left, String right) {
        return left + (right.startsWith(CONTINUATION) ? right.substring(CONTINUATION.length()) : right);
    }

    /** Replaces every non-overlapping (a, b), left to right, by id; returns w itself when nothing changed. */
    static int[] applyMerge(int[] w, int a, int b, int id) {
        int[] out = null;
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (i + 1 < w.length && w[i] == a && w[i + 1] == b) {
                if (out == null) {
                    out = new int[w.length];
                    System.arraycopy(w, 0, out, 0, i);
                    n = i;
                }
                out[n++] = id;
                i++;
            } else if (out != null) {
                out[n++] = w[i];
            }
        }
        return out == null ? w : Arrays.copyOf(out, n);
    }

    /** Writes the versioned text format: header, settings, vocabulary, merges. */
    public void write(Writer out) throws IOException {
        out.write(FORMAT + " " + FORMAT_VERSION + "\n");
        out.write("max-length " + maxLength + "\n");
        out.write("truncation " + truncation.name().toLowerCase(Locale.ROOT) + "\n");
        out.write("vocab " + vocab.size() + "\n");
        for (String v : vocab) out.write(v + "\n");
        out.write("merges " + merges.size() + "\n");
        for (int[] m : merges) out.write(m[0] + " " + m[1] + " " + m[2] + "\n");
        out.flush();
    }

    /** The largest vocabulary (and merge list) a tokenizer file may declare: a line of {@code vocab 2000000000} is refused before any memory is taken. */
    public static final int MAX_VOCAB = 1 << 20;

    /** Reads {@link #write}'s format; {@code source} names the file in error messages. */
    public static BpeTokenizer read(Reader in, String source) throws IOException {
        BufferedReader r = new BufferedReader(in);
        int[] line = {0};
        String header = next(r, line, source);
        String[] h = header.split(" ");
        if (h.length != 2 || !h[0].equals(FORMAT)) throw bad(source, line[0], "expected '" + FORMAT + " <version>', found '" + header + "'");
        int version = parseInt(h[1], source, line[0]);
        if (version != FORMAT_VERSION) throw bad(source, line[0], "tokenizer format version " + version + " is not supported (this build reads " + FORMAT_VERSION + ")");
        int maxLength = parseInt(value(next(r, line, source), "max-length", source, line[0]), source, line[0]);
        String tr = value(next(r, line, source), "truncation", source, line[0]);
        Truncation truncation;
        try {
            truncation = Truncation.valueOf(tr.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(source, line[0], "unknown truncation '" + tr + "' (head or tail)");
        }
        int n = parseInt(value(next(r, line, source), "vocab", source, line[0]), source, line[0]);
        if (n < 0 || n > MAX_VOCAB) throw bad(source, line[0], "vocab " + n + " is outside 0.." + MAX_VOCAB + " (a damaged or hostile tokenizer file)");
        List<String> vocab = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) vocab.add(next(r, line, source));
        int m = parseInt(value(next(r, line, source), "merges", source, line[0]), source, line[0]);
        if (m < 0 || m > MAX_VOCAB) throw bad(source, line[0], "merges " + m + " is outside 0.." + MAX_VOCAB + " (a damaged or hostile tokenizer file)");
        List<int[]> merges = new ArrayList<>(Math.min(m, 1 << 16));
        for (int i = 0; i < m; i++) {
            String[] p = next(r, line, source).split(" ");
            if (p.length != 3) throw bad(source, line[0], "a merge line holds three ids");
            merges.add(new int[] {parseInt(p[0], source, line[0]), parseInt(p[1], source, line[0]), parseInt(p[2], source, line[0])});
        }
        try {
            return new BpeTokenizer(vocab, merges, maxLength, truncation);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    private static String next(BufferedReader r, int[] line, String source) throws IOException {
        String s = r.readLine();
        line[0]++;
        if (s == null) throw bad(source, line[0], "unexpected end of file");
        return s;
    }

    private static String value(String s, String key, String source, int line) throws IOException {
        if (!s.startsWith(key + " ")) throw bad(source, line, "expected '" + key + " <value>', found '" + s + "'");
        return s.substring(key.length() + 1).trim();
    }

    private static int parseInt(String s, String source, int line) throws IOException {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw bad(source, line, "expected an integer, found '" + s + "'");
        }
    }

    private static IOException bad(String source, int line, String what) {
        return new IOException(source + ":" + line + ": " + what + "; the file is damaged or was not written by BpeTokenizer.write");
    }

    /** The vocabulary in id order (unmodifiable). */
    public List<String> vocabulary() {
        return Collections.unmodifiableList(vocab);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BpeTokenizer t)) return false;
        if (!t.vocab.equals(vocab) || t.maxLength != maxLength || t.truncation != truncation || t.merges.size() != merges.size()) return false;
        for (int i = 0; i < merges.size(); i++) if (!Arrays.equals(merges.get(i), t.merges.get(i))) return false;
        return true;
    }

    @Override
    public int hashCode() {
        return vocab.hashCode() * 31 + maxLength;
    }
}
