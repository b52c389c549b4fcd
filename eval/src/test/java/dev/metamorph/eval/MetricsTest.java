package dev.metamorph.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void confidenceIntervalMatchesTheFormula() {
        MeanWithCi m = MeanWithCi.of(new double[] {1, 2, 3, 4});
        double sd = Math.sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3);
        assertEquals(2.5, m.mean(), 1e-12);
        assertEquals(1.96 * sd / 2, m.ci95(), 1e-12);
        assertEquals(4, m.n());
    }

    @Test
    void separationNeedsNonOverlappingIntervals() {
        assertTrue(new MeanWithCi(0.7, 0.01, 600).separatedFrom(new MeanWithCi(0.6, 0.01, 600)));
        assertFalse(new MeanWithCi(0.7, 0.06, 600).separatedFrom(new MeanWithCi(0.6, 0.05, 600)));
    }

    @Test
    void macroF1WorkedByHand() {
        // class 0: tp 1, fn 1 -> F1 2/3; class 1: tp 1, fp 1 -> F1 2/3; class 2: tp 1 -> 1
        ClassificationScore s = ClassificationScore.of(new int[] {0, 1, 1, 2}, new int[] {0, 0, 1, 2}, 3);
        assertEquals(0.75, s.accuracy(), 1e-12);
        assertEquals((2.0 / 3 + 2.0 / 3 + 1) / 3, s.macroF1(), 1e-12);
    }

    @Test
    void outOfRangeLabelsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassificationScore.of(new int[] {3}, new int[] {0}, 3));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void tfidfPrototypesSeparateDistinctVocabularies() {
        List<String> corpus = List.of("the court ruled on the contract", "a plaintiff sued in court", "the violin played a melody", "a song in a minor key");
        TfidfPrototypeClassifier c = new TfidfPrototypeClassifier(corpus);
        int[] pred = c.predict(List.of("the court and the contract", "the violin melody"), new int[] {0, 1}, 2,
                List.of("plaintiff in court", "a melody on violin", "contract law court"));
        assertArrayEquals(new int[] {0, 1, 0}, pred);
    }
}
