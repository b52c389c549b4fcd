package dev.metamorph.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.model.TokenBatch;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BpeTokenizerTest {
    private static final List<String> CORPUS = List.of(
            "low lower lowest", "newer newest wider", "the lowest tide, the newest moon.", "a low, wide river");

    @Test
    void learnsFrequentMergesAndEncodesWithThem() {
        BpeTokenizer t = BpeTrainer.train(CORPUS, 60, 1, 16, BpeTokenizer.Truncation.HEAD);
        assertEquals("[PAD]", t.token(0));
        assertEquals("[UNK]", t.token(1));
        assertTrue(t.vocabulary().contains("low"), "expected the frequent word 'low' to become one token: " + t.vocabulary());
        assertEquals(List.of("low"), t.tokens("LOW"), "lower-cased");
        List<String> lowest = t.tokens("lowest");
        assertEquals("lowest", String.join("", lowest).replace("##", ""));
        assertTrue(lowest.size() <= 2, "lowest should need at most two subwords: " + lowest);
        assertEquals(List.of("low", ","), t.tokens("low,"));
        for (int id : t.encode("the newest river")) assertTrue(id > BpeTokenizer.UNK);
    }

    @Test
    void unknownCharactersBecomeUnk() {
        BpeTokenizer t = BpeTrainer.train(CORPUS, 60, 1, 16, BpeTokenizer.Truncation.HEAD);
        int[] ids = t.encode("low \u4e2d");
        assertEquals(BpeTokenizer.UNK, ids[ids.length - 1]);
        int[] inWord = t.encode("lqw");
        assertTrue(contains(inWord, BpeTokenizer.UNK), "q never appears in the corpus");
    }

    @Test
    void truncatesHeadOrTailAndPadsBatches() {
        BpeTokenizer head = BpeTrainer.train(CORPUS, 60, 1, 3, BpeTokenizer.Truncation.HEAD);
        BpeTokenizer tail = BpeTrainer.train(CORPUS, 60, 1, 3, BpeTokenizer.Truncation.TAIL);
        assertEquals(List.of("a", "low", ","), head.tokens("a low, wide river"));
        List<String> full = BpeTrainer.train(CORPUS, 60, 1, 100, BpeTokenizer.Truncation.HEAD).tokens("a low, wide river");
        assertTrue(full.size() > 3);
        assertEquals(full.subList(full.size() - 3, full.size()), tail.tokens("a low, wide river"));
        TokenBatch b = head.batch(List.of("low", "a low, wide river", ""), new int[] {0, 1, 0});
        assertEquals(3, b.length());
        assertEquals(TokenBatch.PAD, b.id(0, 1));
        assertEquals(0, b.tokens(2));
    }

    @Test
    void trainingIsDeterministicAndTheFormatRoundTrips() throws IOException {
        List<String> texts = synthetic(3000, 4);
        BpeTokenizer a = BpeTrainer.train(texts, 800, 2, 64, BpeTokenizer.Truncation.TAIL);
        BpeTokenizer b = BpeTrainer.train(new ArrayList<>(texts), 800, 2, 64, BpeTokenizer.Truncation.TAIL);
        assertEquals(a, b);
        assertEquals(800, a.vocabSize());
        StringWriter w = new StringWriter();
        a.write(w);
        BpeTokenizer c = BpeTokenizer.read(new StringReader(w.toString()), "tokenizer.txt");
        assertEquals(a, c);
        for (String s : texts.subList(0, 50)) assertArrayEquals(a.encode(s), c.encode(s));
        IOException e = assertThrows(IOException.class, () -> BpeTokenizer.read(new StringReader("metamorph-bpe 9\n"), "tok.txt"));
        assertTrue(e.getMessage().contains("tok.txt:1"), e.getMessage());
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }

    /** Pseudo-words from a fixed syllable set, fixed seed. */
    static List<String> synthetic(int n, long seed) {
        String[] syl = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ex", "qu", "ing", "tion", "pre", "ly"};
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int words = 3 + r.nextInt(10);
            for (int w = 0; w < words; w++) {
                int s = 1 + r.nextInt(4);
                for (int k = 0; k < s; k++) sb.append(syl[(int) Math.min(syl.length - 1, Math.abs(r.nextGaussian()) * 4)]);
                sb.append(w % 5 == 4 ? ", " : " ");
            }
            out.add(sb.toString().trim() + ".");
        }
        return out;
    }
}
