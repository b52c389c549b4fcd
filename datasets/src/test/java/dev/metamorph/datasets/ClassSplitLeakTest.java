package dev.metamorph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Classes held out of meta-training stay held out across domains that share label names. */
class ClassSplitLeakTest {
    /** Three domains over one vocabulary of 60 labels; each domain has its own subset, 3 records per label. */
    static List<DomainClasses> sharedLabelDomains(long seed) {
        List<DomainClasses> out = new ArrayList<>();
        String[] domains = {"wordnet", "foldoc", "gcide"};
        for (int d = 0; d < domains.length; d++) {
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                if ((i + d) % 4 == 0) continue; // every domain misses a different quarter
                for (int k = 0; k < 3; k++) {
                    records.add(new Record(domains[d] + "-" + i + "-" + k, domains[d], "field" + i, "text " + i + " " + k, "fixture", Map.of()));
                }
            }
            out.add(DomainClasses.of(domains[d], records, 3, ClassSplitSpec.defaultFractions(), seed));
        }
        return out;
    }

    @Test
    void noTargetHeldOutLabelIsASourceMetaTrainLabel() {
        for (long seed : new long[] {1, 20260511, 77}) {
            ClassSplitTable t = ClassSplitTable.of(sharedLabelDomains(seed));
            assertEquals(List.of(), t.leaks(List.of("wordnet", "foldoc"), List.of("gcide")), "seed " + seed);
            assertTrue(t.counts("gcide", ClassSplit.META_TEST).size() >= 3, "the fixture has held-out target classes to check");
        }
    }

    @Test
    void aLabelHasOneSplitInEveryDomain() {
        ClassSplitTable t = ClassSplitTable.of(sharedLabelDomains(20260511));
        for (String a : t.domains()) {
            for (String b : t.domains()) {
                for (ClassSplit s : ClassSplit.values()) {
                    for (String label : t.counts(a, s).keySet()) {
                        for (ClassSplit other : ClassSplit.values()) {
                            if (other != s) assertTrue(!t.counts(b, other).containsKey(label),
                                    label + " is " + s.key() + " in " + a + " but " + other.key() + " in " + b);
                        }
                    }
                }
            }
        }
    }

    @Test
    void tableCountsRecordsPerLabelAndLeaksAreNamed() {
        ClassSplitTable t = ClassSplitTable.of(sharedLabelDomains(1));
        int labels = 0;
        for (ClassSplit s : ClassSplit.values()) {
            for (int n : t.counts("gcide", s).values()) assertEquals(3, n);
            labels += t.counts("gcide", s).size();
        }
        assertEquals(45, labels);
        Map<String, Map<String, Map<String, Integer>>> json = t.toMap();
        assertEquals(List.of("meta-train", "meta-val", "meta-test"), List.copyOf(json.get("gcide").keySet()));
        assertEquals(t.counts("foldoc", ClassSplit.META_VAL), json.get("foldoc").get("meta-val"));
    }

    @Test
    void aLeakIsFoundAndNamed() {
        List<Record> rs = new ArrayList<>();
        for (String l : List.of("law", "music")) for (int k = 0; k < 2; k++) rs.add(new Record(l + k, "x", l, "t" + k, "", Map.of()));
        ClassSplitSpec train = new ClassSplitSpec(ClassSplitSpec.defaultFractions().fractions(), Map.of(ClassSplit.META_TRAIN, List.of("law")));
        ClassSplitSpec test = new ClassSplitSpec(ClassSplitSpec.defaultFractions().fractions(), Map.of(ClassSplit.META_TEST, List.of("law")));
        ClassSplitTable t = ClassSplitTable.of(List.of(DomainClasses.of("wordnet", rs, 1, train, 1), DomainClasses.of("gcide", rs, 1, test, 1)));
        assertEquals(List.of("gcide meta-test 'law' is meta-train in wordnet"), t.leaks(List.of("wordnet"), List.of("gcide")));
    }
}
