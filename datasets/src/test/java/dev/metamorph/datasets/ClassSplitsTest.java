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
    void splitsAreDisjointCoverEveryClassAndFollowTheFractions() {
        int n = 3000;
        ClassSplits s = ClassSplits.of(labels(n), ClassSplitSpec.defaultFractions(), 5);
        Set<String> all = new HashSet<>();
        int total = 0;
        for (ClassSplit split : ClassSplit.values()) {
            total += s.classes(split).size();
            all.addAll(s.classes(split));
        }
        assertEquals(n, total);
        assertEquals(n, all.size(), "no class is in two splits");
        // each label falls in a split with probability = its fraction: binomial counts, 4 sigma
        assertEquals(0.6 * n, s.classes(ClassSplit.META_TRAIN).size(), 4 * Math.sqrt(n * 0.6 * 0.4));
        assertEquals(0.2 * n, s.classes(ClassSplit.META_VAL).size(), 4 * Math.sqrt(n * 0.2 * 0.8));
        assertEquals(0.2 * n, s.classes(ClassSplit.META_TEST).size(), 4 * Math.sqrt(n * 0.2 * 0.8));
    }

    @Test
    void stableUnderInputOrderAndSeedDependent() {
        List<String> l = labels(40);
        ClassSplits a = ClassSplits.of(l, ClassSplitSpec.defaultFractions(), 9);
        List<String> shuffled = new ArrayList<>(l);
        Collections.reverse(shuffled);
        ClassSplits b = ClassSplits.of(shuffled, ClassSplitSpec.defaultFractions(), 9);
        ClassSplits c = ClassSplits.of(l, ClassSplitSpec.defaultFractions(), 10);
        for (ClassSplit s : ClassSplit.values()) assertEquals(a.classes(s), b.classes(s));
        assertNotEquals(a.classes(ClassSplit.META_TEST), c.classes(ClassSplit.META_TEST));
    }

    @Test
    void aLabelsSplitDoesNotDependOnTheOtherLabels() {
        List<String> l = labels(80);
        ClassSplits all = ClassSplits.of(l, ClassSplitSpec.defaultFractions(), 3);
        ClassSplits some = ClassSplits.of(l.subList(10, 35), ClassSplitSpec.defaultFractions(), 3);
        for (String label : l.subList(10, 35)) {
            assertEquals(all.splitOf(label), some.splitOf(label), label);
            assertEquals(all.splitOf(label), ClassSplits.splitOf(label, ClassSplitSpec.defaultFractions(), 3), label);
        }
    }

    @Test
    void listedClassesGoWhereListedAndTheRestIsDivided() {
        Map<ClassSplit, Double> f = new EnumMap<>(ClassSplit.class);
        f.put(ClassSplit.META_TRAIN, 0.75);
        f.put(ClassSplit.META_VAL, 0.25);
        f.put(ClassSplit.META_TEST, 0.0);
        ClassSplitSpec spec = new ClassSplitSpec(f, Map.of(ClassSplit.META_TEST, List.of("field3", "field7", "absent")));
        ClassSplits s = ClassSplits.of(labels(22), spec, 1);
        assertEquals(List.of("field3", "field7"), s.classes(ClassSplit.META_TEST), "a zero fraction takes only listed classes");
        assertEquals(20, s.classes(ClassSplit.META_TRAIN).size() + s.classes(ClassSplit.META_VAL).size());
        assertTrue(s.classes(ClassSplit.META_VAL).size() >= 1 && s.classes(ClassSplit.META_TRAIN).size() >= 10, s.classes(ClassSplit.META_VAL).toString());
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
