package dev.metamorph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClassSplitsTest {
    static List<String> labels(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add("field" + i);
        return l;
    }

    @Test
    void splitsAreDisjointAndCoverEveryClass() {
        ClassSplits s = ClassSplits.of("gcide", labels(92), ClassSplitSpec.defaultFractions(), 5);
        Set<String> all = new HashSet<>();
        int total = 0;
        for (ClassSplit split : ClassSplit.values()) {
            total += s.classes(split).size();
            all.addAll(s.classes(split));
        }
        assertEquals(92, total);
        assertEquals(92, all.size(), "no class is in two splits");
        assertEquals(55, s.classes(ClassSplit.META_TRAIN).size());
        assertEquals(19, s.classes(ClassSplit.META_VAL).size(), "round(0.8 * 92) - 55");
        assertEquals(18, s.classes(ClassSplit.META_TEST).size());
    }

    @Test
    void stableUnderInputOrderAndSeedDependent() {
        List<String> l = labels(40);
        ClassSplits a = ClassSplits.of("wordnet", l, ClassSplitSpec.defaultFractions(), 9);
        List<String> shuffled = new ArrayList<>(l);
        Collections.reverse(shuffled);
        ClassSplits b = ClassSplits.of("wordnet", shuffled, ClassSplitSpec.defaultFractions(), 9);
        ClassSplits c = ClassSplits.of("wordnet", l, ClassSplitSpec.defaultFractions(), 10);
        for (ClassSplit s : ClassSplit.values()) assertEquals(a.classes(s), b.classes(s));
        assertNotEquals(a.classes(ClassSplit.META_TEST), c.classes(ClassSplit.META_TEST));
    }

    @Test
    void listedClassesGoWhereListedAndTheRestIsDivided() {
        Map<ClassSplit, Double> f = new EnumMap<>(ClassSplit.class);
        f.put(ClassSplit.META_TRAIN, 0.75);
        f.put(ClassSplit.META_VAL, 0.25);
        f.put(ClassSplit.META_TEST, 0.0);
        ClassSplitSpec spec = new ClassSplitSpec(f, Map.of(ClassSplit.META_TEST, List.of("field3", "field7", "absent")));
        ClassSplits s = ClassSplits.of("d", labels(22), spec, 1);
        assertEquals(List.of("field3", "field7"), s.classes(ClassSplit.META_TEST));
        assertEquals(15, s.classes(ClassSplit.META_TRAIN).size());
        assertEquals(5, s.classes(ClassSplit.META_VAL).size());
        assertEquals(ClassSplit.META_TEST, s.splitOf("field7"));
        assertTrue(!s.classes(ClassSplit.META_TRAIN).contains("field3"));
    }

    @Test
    void badSpecsAreRejectedNamingTheKey() {
        Map<ClassSplit, Double> f = new EnumMap<>(ClassSplit.class);
        f.put(ClassSplit.META_TRAIN, 0.5);
        f.put(ClassSplit.META_VAL, 0.2);
        f.put(ClassSplit.META_TEST, 0.2);
        var e = assertThrows(IllegalArgumentException.class, () -> new ClassSplitSpec(f, Map.of()));
        assertTrue(e.getMessage().contains("dataset.class-splits fractions must add up to 1"), e.getMessage());
        f.put(ClassSplit.META_TRAIN, 0.6);
        var e2 = assertThrows(IllegalArgumentException.class, () -> new ClassSplitSpec(f,
                Map.of(ClassSplit.META_TRAIN, List.of("law"), ClassSplit.META_VAL, List.of("music"), ClassSplit.META_TEST, List.of("law"))));
        assertTrue(e2.getMessage().contains("'law' is listed in both"), e2.getMessage());
    }
}
