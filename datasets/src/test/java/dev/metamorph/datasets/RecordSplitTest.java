package dev.metamorph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordSplitTest {
    @Test
    void stableAndCloseToTheFractions() {
        Map<RecordSplit, Integer> counts = new EnumMap<>(RecordSplit.class);
        int n = 20_000;
        int changed = 0;
        for (int i = 0; i < n; i++) {
            String id = "gcide:word" + i + "#1";
            RecordSplit s = RecordSplit.of(id, 7, 0.1, 0.2);
            assertEquals(s, RecordSplit.of(id, 7, 0.1, 0.2), "same id and seed, same split");
            if (s != RecordSplit.of(id, 8, 0.1, 0.2)) changed++;
            counts.merge(s, 1, Integer::sum);
        }
        assertEquals(0.7, counts.get(RecordSplit.TRAIN) / (double) n, 0.015);
        assertEquals(0.1, counts.get(RecordSplit.VAL) / (double) n, 0.01);
        assertEquals(0.2, counts.get(RecordSplit.TEST) / (double) n, 0.015);
        assertEquals(0.46, changed / (double) n, 0.05, "another seed reshuffles (1 - 0.7^2 - 0.1^2 - 0.2^2 = 0.46 expected)");
        assertThrows(IllegalArgumentException.class, () -> RecordSplit.of("x", 1, 0.6, 0.5));
    }
}
