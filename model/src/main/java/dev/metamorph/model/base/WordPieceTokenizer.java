package dev.metamorph.model.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's tokenizer as a Hugging Face {@code tokenizer.json} describes it, in plain Java (no native
 * library): special tokens split out of the raw text; the BertNormalizer (drop control characters,
 * whitespace to spaces, spaces around CJK ideographs, NFD + drop combining marks, lowercase); the
 * BertPreTokenizer (split on whitespace, each punctuation character its own word); greedy
 * longest-match-first WordPiece with the {@code ##} prefix, a word that cannot be covered becoming
 * {@code [UNK]}; then {@code [CLS] ... [SEP]}. It matches Hugging Face's Rust tokenizer id for id
 * (WordPieceTokenizerTest compares them through DJL). Immutable and thread-safe.
 */
public final class WordPieceTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Integer> vocab;
    private final String prefix;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final int maxCharsPerWord;
    private final boolean cleanText;
    private final boolean chineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;
    /** Special tokens matched on the raw text, longest first. */
    private final List<Map.Entry<String, Integer>> specials;

    private WordPieceTokenizer(Map<String, Integer> vocab, String prefix, int unkId, int clsId, int sepId, int padId,
            int maxCharsPerWord, boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase,
            List<Map.Entry<String, Integer>> specials) {
        this.vocab = vocab;
        this.prefix = prefix;
        this.unkId = unkId;
        this.clsId = clsId;
        this.sepId = sepId;
        this.padId = padId;
        this.maxCharsPerWord = maxCharsPerWord;
        this.cleanText = cleanText;
        this.chineseChars = chineseChars;
        this.stripAccents = stripAccents;
        this.lowercase = lowercase;
        this.specials = specials;
    }

    /**
     * Reads a {@code tokenizer.json} whose model is WordPiece.
     *
     * @param in the file's bytes (closed by the caller)
     * @param origin the file's name or resource, for error messages
     * @throws IllegalArgumentException if the file is not a WordPiece tokenizer or lacks [UNK], [CLS] or [SEP]
     */
    public static WordPieceTokenizer read(InputStream in, String origin) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read tokenizer " + origin + " as JSON: " + e.getMessage()
                    + "; it must be a Hugging Face tokenizer.json (saved by tokenizer.save())", e);
        }
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("Tokenizer " + origin + " has model type '" + model.path("type").asText()
                    + "'; only WordPiece (BERT-family) tokenizers are supported: export a BERT-family model or use model.base = minilm-l6");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        if (vocab.isEmpty()) throw new IllegalArgumentException("Tokenizer " + origin + " has an empty model.vocab");
        String unk = model.path("unk_token").asText("[UNK]");
        String prefix = model.path("continuing_subword_prefix").asText("##");
        int maxChars = model.path("max_input_chars_per_word").asInt(100);
        JsonNode norm = root.path("normalizer");
        boolean clean = true, chinese = true, lower = true;
        Boolean strip = null;
        if (!norm.isMissingNode() && !norm.isNull()) {
            if (!"BertNormalizer".equals(norm.path("type").asText())) {
                throw new IllegalArgumentException("Tokenizer " + origin + " has normalizer '" + norm.path("type").asText()
                        + "'; only BertNormalizer is supported");
            }
            clean = norm.path("clean_text").asBoolean(true);
            chinese = norm.path("handle_chinese_chars").asBoolean(true);
            lower = norm.path("lowercase").asBoolean(true);
            if (norm.hasNonNull("strip_accents")) strip = norm.get("strip_accents").asBoolean();
        } else {
            clean = chinese = lower = false;
            strip = false;
        }
        String pre = root.path("pre_tokenizer").path("type").asText("BertPreTokenizer");
        if (!pre.equals("BertPreTokenizer")) {
            throw new IllegalArgumentException("Tokenizer " + origin + " has pre_tokenizer '" + pre + "'; only BertPreTokenizer is supported");
        }
        List<Map.Entry<String, Integer>> specials = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("special").asBoolean(false)) specials.add(Map.entry(t.path("content").asText(), t.path("id").asInt()));
        }
        specials.sort(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getKey().length()).reversed());
        int unkId = required(vocab, unk, origin);
        int clsId = required(vocab, specialOf(root, "cls", "[CLS]"), origin);
        int sepId = required(vocab, specialOf(root, "sep", "[SEP]"), origin);
        int padId = vocab.getOrDefault(root.path("padding").path("pad_token").asText("[PAD]"), 0);
        return new WordPieceTokenizer(Map.copyOf(vocab), prefix, unkId, clsId, sepId, padId, maxChars, clean, chinese,
                strip != null ? strip : lower, lower, List.copyOf(specials));
    }

    /** [CLS]/[SEP] as named by a BertProcessing post-processor, else the BERT default. */
    private static String specialOf(JsonNode root, String field, String fallback) {
        JsonNode pp = root.path("post_processor");
        if ("BertProcessing".equals(pp.path("type").asText()) && pp.path(field).isArray()) return pp.path(field).get(0).asText();
        return fallback;
    }

    private static int required(Map<String, Integer> vocab, String token, String origin) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException("Tokenizer " + origin + " has no '" + token + "' in its vocabulary; a BERT-family tokenizer needs it");
        return id;
    }

    /** Vocabulary size (largest id + 1). */
    public int vocabSize() {
        return vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /** Id of the padding token. */
    public int padId() {
        return padId;
    }

    /**
     * Word-piece ids of {@code text} with [CLS] first and [SEP] last, at most {@code maxLength} in
     * all (a longer text keeps its first {@code maxLength - 2} pieces).
     */
    public int[] encode(String text, int maxLength) {
        if (maxLength < 3) throw new IllegalArgumentException("maxLength must be >= 3 ([CLS], one piece, [SEP]), got " + maxLength);
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int at = -1;
            Map.Entry<String, Integer> found = null;
            for (int i = start; i < text.length() && found == null; i++) {
                for (Map.Entry<String, Integer> s : specials) {
                    if (text.startsWith(s.getKey(), i)) {
                        at = i;
                        found = s;
                        break;
                    }
                }
            }
            int end = found == null ? text.length() : at;
            wordPieces(text.substring(start, end), pieces);
            if (found == null) break;
            pieces.add(found.getValue());
            start = end + found.getKey().length();
        }
        int keep = Math.min(pieces.size(), maxLength - 2);
        int[] ids = new int[keep + 2];
        ids[0] = clsId;
        for (int i = 0; i < keep; i++) ids[i + 1] = pieces.get(i);
        ids[keep + 1] = sepId;
        return ids;
    }

    private void wordPieces(String segment, List<Integer> out) {
        if (segment.isEmpty()) return;
        String normalized = normalize(segment);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            i += Character.charCount(cp);
            if (isWhitespace(cp)) {
                flush(word, out);
            } else if (isPunctuation(cp)) {
                flush(word, out);
                word.appendCodePoint(cp);
                flush(word, out);
            } else {
                word.appendCodePoint(cp);
            }
        }
        flush(word, out);
    }

    private void flush(StringBuilder word, List<Integer> out) {
        if (word.length() == 0) return;
        String w = word.toString();
        word.setLength(0);
        if (w.codePointCount(0, w.length()) > maxCharsPerWord) {
            out.add(unkId);
            return;
        }
        int before = out.size();
        int start = 0;
        while (start < w.length()) {
            int end = w.length();
            Integer id = null;
            while (end > start) {
                String sub = start > 0 ? prefix + w.substring(start, end) : w.substring(start, end);
                id = vocab.get(sub);
                if (id != null) break;
                end = w.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                out.subList(before, out.size()).clear();
                out.add(unkId);
                return;
            }
            out.add(id);
            start = end;
        }
    }

    private String normalize(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xfffd || isControl(cp)) continue;
                if (isWhitespace(cp)) {
                    b.append(' ');
                    continue;
                }
            }
            if (chineseChars && isChinese(cp)) {
                b.append(' ').appendCodePoint(cp).append(' ');
            } else {
                b.appendCodePoint(cp);
            }
        }
        String t = b.toString();
        if (stripAccents) {
            String nfd = Normalizer.normalize(t, Normalizer.Form.NFD);
            StringBuilder kept = new StringBuilder(nfd.length());
            for (int i = 0; i < nfd.length(); ) {
                int cp = nfd.codePointAt(i);
                i += Character.charCount(cp);
                if (!isMark(cp)) kept.appendCodePoint(cp);
            }
            t = kept.toString();
        }
        if (lowercase) {
            StringBuilder low = new StringBuilder(t.length());
            for (int i = 0; i < t.length(); ) {
                int cp = t.codePointAt(i);
                i += Character.charCount(cp);
                // per character, as Rust's char::to_lowercase (no context rules such as Greek final sigma)
                low.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            }
            t = low.toString();
        }
        return t;
    }

    /** Unicode White_Space (as Rust's char::is_whitespace). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }

    /** General category C* other than tab, newline and carriage return. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE || t == Character.PRIVATE_USE
                || t == Character.UNASSIGNED;
    }

    private static boolean isMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /** ASCII punctuation (symbols such as $ + < = > ^ ` | ~ included) or general category P*. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }

    /** The CJK ideograph blocks BERT pads with spaces. */
    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
