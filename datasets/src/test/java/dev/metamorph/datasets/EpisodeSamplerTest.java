package dev.metamorph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EpisodeSamplerTest {
    /** {@code classes} labels with {@code per} records each. */
    static Map<String, List<Record>> classes(String domain, int classes, int per) {
        Map<String, List<Record>> m = new TreeMap<>();
        for (int c = 0; c < classes; c++) {
            List<Record> rs = new ArrayList<>();
            for (int i = 0; i < per; i++) {
                rs.add(new Record(domain + ":c" + c + "#" + i, domain, "label" + c, "text " + c + " " + i, "test", Map.of()));
            }
            m.put("label" + c, rs);
        }
        return m;
    }

    @Test
    void sameSeedGivesIdenticalEpisodes() {
        EpisodeSampler s = new EpisodeSampler("d", classes("d", 12, 25), 5, 5, 15);
        List<Episode<Record>> a = new ArrayList<>();
        List<Episode<Record>> b = new ArrayList<>();
        SeededRandom ra = new SeedSequence(42).child("sampler");
        SeededRandom rb = new SeedSequence(42).child("sampler");
        for (int i = 0; i < 50; i++) {
            a.add(s.sample(ra));
            b.add(s.sample(rb));
        }
        assertEquals(a, b);
        Episode<Record> other = s.sample(new SeedSequence(43).child("sampler"));
        assertNotEquals(a.get(0), other, "another seed gives another episode");
    }

    @Test
    void supportAndQueryAreDisjointAndLabelsRemapped() {
        EpisodeSampler s = new EpisodeSampler("d", classes("d", 8, 21), 5, 5, 15);
        SeededRandom rng = new SeededRandom(7);
        for (int e = 0; e < 200; e++) {
            Episode<Record> ep = s.sample(rng);
            assertEquals(5, ep.ways());
            assertEquals(25, ep.support().size());
            assertEquals(75, ep.query().size());
            assertEquals(5, new HashSet<>(ep.classes()).size(), "classes are distinct");
            Set<String> supportIds = new HashSet<>();
            for (var l : ep.support()) assertTrue(supportIds.add(l.example().id()), "no repeated support record");
            Set<String> queryIds = new HashSet<>();
            for (var l : ep.query()) {
                assertTrue(queryIds.add(l.example().id()), "no repeated query record");
                assertTrue(!supportIds.contains(l.example().id()), "support and query share " + l.example().id());
            }
            for (var l : concat(ep.support(), ep.query())) {
                assertTrue(l.label() >= 0 && l.label() < 5);
                assertEquals(ep.classes().get(l.label()), l.example().label(), "local label maps back to the record's label");
            }
            for (int c = 0; c < 5; c++) {
                final int cc = c;
                assertEquals(5, ep.support().stream().filter(l -> l.label() == cc).count());
                assertEquals(15, ep.query().stream().filter(l -> l.label() == cc).count());
            }
        }
    }

    @Test
    void everyClassAndRecordGetsDrawn() {
        EpisodeSampler s = new EpisodeSampler("d", classes("d", 6, 4), 3, 1, 1);
        Set<String> seen = new HashSet<>();
        SeededRandom rng = new SeededRandom(1);
        for (int i = 0; i < 2000; i++) for (var l : s.sample(rng).support()) seen.add(l.example().id());
        assertEquals(24, seen.size(), "sampling reaches every record (no off-by-one in the index draw)");
    }

    @Test
    void tooSmallClassIsAClearError() {
        Map<String, List<Record>> m = classes("gcide", 6, 30);
        m.put("label3", m.get("label3").subList(0, 12));
        var e = assertThrows(IllegalArgumentException.class, () -> new EpisodeSampler("gcide", m, 5, 5, 15));
        assertTrue(e.getMessage().contains("Domain 'gcide', class 'label3' has 12 examples"), e.getMessage());
        assertTrue(e.getMessage().contains("K + Q = 5 + 15 = 20"), e.getMessage());
    }

    @Test
    void tooFewClassesIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> new EpisodeSampler("foldoc", classes("foldoc", 3, 30), 5, 1, 1));
        assertTrue(e.getMessage().contains("'foldoc' has 3 classes but the episode needs 5-way"), e.getMessage());
    }

    @Test
    void chooseGivesDistinctIndicesInRange() {
        SeededRandom rng = new SeededRandom(3);
        for (int t = 0; t < 500; t++) {
            int[] c = EpisodeSampler.choose(rng, 10, 10);
            Set<Integer> s = new HashSet<>();
            for (int v : c) {
                assertTrue(v >= 0 && v < 10);
                s.add(v);
            }
            assertEquals(10, s.size());
        }
    }

    @Test
    void mixedSamplerFollowsDomainWeights() {
        EpisodeSampler a = new EpisodeSampler("a", classes("a", 6, 10), 2, 1, 1);
        EpisodeSampler b = new EpisodeSampler("b", classes("b", 6, 10), 2, 1, 1);
        EpisodeSampler z = new EpisodeSampler("z", classes("z", 6, 10), 2, 1, 1);
        MixedEpisodeSampler mixed = new MixedEpisodeSampler(List.of(
                new MixedEpisodeSampler.Weighted(a, 3.0), new MixedEpisodeSampler.Weighted(b, 1.0), new MixedEpisodeSampler.Weighted(z, 0.0)));
        List<Episode<Record>> batch = mixed.metaBatch(new SeededRandom(11), 4000);
        long na = batch.stream().filter(e -> e.domain().equals("a")).count();
        long nz = batch.stream().filter(e -> e.domain().equals("z")).count();
        assertEquals(0, nz, "weight 0 is never drawn");
        assertEquals(0.75, na / 4000.0, 0.03, "weight 3:1 gives about 75% from a");
        for (Episode<Record> e : batch) {
            for (var l : e.support()) assertEquals(e.domain(), l.example().domain(), "an episode stays within one domain");
        }
        assertEquals(batch, mixed.metaBatch(new SeededRandom(11), 4000), "same seed, same meta-batch");
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
