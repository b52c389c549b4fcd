package dev.metamorph.model.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure-Java WordPiece reader against Hugging Face's Rust tokenizer (through DJL, offline). */
class WordPieceTokenizerTest {
    private static final int MAX = 256;
    @TempDir
    static Path dir;
    static WordPieceTokenizer ours;
    static HuggingFaceTokenizer reference;

    @BeforeAll
    static void load() throws IOException {
        Path file = BaseTestFiles.minilmTokenizer(dir);
        try (var in = Files.newInputStream(file)) {
            ours = WordPieceTokenizer.read(in, file.toString());
        }
        reference = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(true).optPadding(false)
                .optTruncation(true).optMaxLength(MAX).build();
    }

    private static void assertSameIds(String text) {
        long[] ref = reference.encode(text).getIds();
        int[] got = ours.encode(text, MAX);
        assertArrayEquals(ref, Arrays.stream(got).asLongStream().toArray(), () -> "ids differ for: " + text);
    }

    @Test
    void handPickedEdgeCasesGiveTheReferenceIds() {
        for (String t : List.of("", "Hello, World!", "disease", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m",
                "\u4e2d\u6587\u5b57 mixed with English", "tab\there\nnew line\r\u00a0nbsp\u2003em", "$5 + 3 <= 8 ^ x | y ~ z `q`",
                "ctrl\u0000char\u0007 zero\u200bwidth \ufffd replacement", "supercalifragilisticexpialidocious antidisestablishmentarianism",
                "a".repeat(101), "\u0130stanbul \u03a3\u03bf\u03c6\u03af\u03b1 \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3",
                "[CLS] literal [SEP] tokens [MASK] and [UNK]x", "emoji \ud83d\ude00 and \u2014 dashes \u2013 \u201cquotes\u201d",
                "word ".repeat(400), "(n.) A hyphen-ated word; e.g. \"quoted\" -- cf. oenanthylic.")) {
            assertSameIds(t);
        }
    }

    @Test
    void seededRandomMixturesOfLettersAccentsPunctuationAndCjkGiveTheReferenceIds() {
        String pool = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789      .,;:!?'\"-()[]{}<>/\\@#$%^&*_=+|~`"
                + "\u00e9\u00e8\u00ea\u00eb\u00e0\u00e2\u00e4\u00e7\u00f1\u00f6\u00fc\u00df\u00c9\u00c7\u0301\u0308\u00bf\u00a1\u00ab\u00bb"
                + "\u4e00\u4e8c\u4e09\u65e5\u672c\u3042\u30a2\uac00\u0410\u0431\u0432\u03b1\u03b2\u05d0\u0627\u2019\u2026\u00a0\t\n";
        SplittableRandom rng = new SplittableRandom(12);
        for (int i = 0; i < 500; i++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + rng.nextInt(60);
            for (int j = 0; j < n; j++) b.append(pool.charAt(rng.nextInt(pool.length())));
            assertSameIds(b.toString());
        }
    }

    @Test
    void realGcideDefinitionsGiveTheReferenceIds() {
        Optional<List<String>> texts = BaseTestFiles.gcideTexts(400);
        Assumptions.assumeTrue(texts.isPresent(), "needs .cache/data/gcide.jsonl (./metamorph data import)");
        assertTrue(texts.get().size() >= 300, "expected a few hundred gcide texts, got " + texts.get().size());
        for (String t : texts.get()) assertSameIds(t);
    }

    @Test
    void aLongTextKeepsItsHeadAndEndsWithSep() {
        int[] ids = ours.encode("word ".repeat(400), 16);
        assertEquals(16, ids.length);
        assertEquals(101, ids[0]);
        assertEquals(102, ids[15]);
    }

    @Test
    void aTokenizerThatIsNotWordPieceIsRejectedWithItsType() {
        String json = "{\"model\":{\"type\":\"BPE\",\"vocab\":{}}}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "x.json"));
        assertTrue(e.getMessage().contains("BPE") && e.getMessage().contains("x.json"), e.getMessage());
    }

}
