package dev.metamorph.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Episode.Labeled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DenseFloorsTest {
    static final LinearProbeClassifier.Options PROBE = LinearProbeClassifier.Options.defaults();

    @Test
    void prototypeIsCosineToTheMeanOfNormalisedSupportVectors() {
        // class 0 points along x, class 1 along y; the long vector (100, 0) must not drag class 0's mean
        double[][] support = {{100, 0, 0}, {0.8, 0.6, 0}, {0, 1, 0}, {0, 0.9, 0.1}};
        int[] labels = {0, 0, 1, 1};
        double[][] queries = {{1, 0.1, 0}, {0.2, 1, 0}, {0.7, 0.5, 0}, {0, 0, 1}};
        // means of normalised vectors: c0 = (0.9, 0.3, 0), c1 ~ (0, 0.997, 0.055); the third query is nearer c0 by
        // cosine (0.98 vs 0.57); the last query (0,0,1) has cosines 0 and 0.055: class 1
        assertArrayEquals(new int[] {0, 1, 0, 1}, DensePrototypeClassifier.predict(support, labels, 2, queries));
        // without normalisation class 0's mean would be (50.4, 0.3, 0): (0.2, 1, 0) is still 1, but scaling a support vector changes nothing
        double[][] scaled = {{1, 0, 0}, {8, 6, 0}, {0, 5, 0}, {0, 9, 1}};
        assertArrayEquals(DensePrototypeClassifier.predict(support, labels, 2, queries), DensePrototypeClassifier.predict(scaled, labels, 2, queries));
    }

    static double[] at(double degrees) {
        return new double[] {Math.cos(Math.toRadians(degrees)), Math.sin(Math.toRadians(degrees)), 0};
    }

    @Test
    void probeSeparatesWhatThePrototypeConfuses() {
        // unit vectors: class 0 spread over 10..80 degrees (mean at 45), class 1 tight at 100..110 (mean at 105).
        // A query at 85 degrees is nearer class 1's mean (20 vs 40 degrees), but on class 0's side of the
        // widest-margin boundary (90 degrees, midway between 80 and 100), which the probe approaches.
        double[][] support = {at(10), at(80), at(100), at(110)};
        int[] labels = {0, 0, 1, 1};
        double[][] queries = {at(85), at(30), at(105)};
        assertArrayEquals(new int[] {1, 0, 1}, DensePrototypeClassifier.predict(support, labels, 2, queries), "the class means decide");
        LinearProbeClassifier probe = new LinearProbeClassifier(new LinearProbeClassifier.Options(0.01, 100, 1e-10));
        assertArrayEquals(new int[] {0, 0, 1}, probe.predict(support, labels, 2, queries), "the probe's boundary decides");
    }

    @Test
    void probeInTheSpanOfTheSupportEqualsTheFullFit() {
        SeededRandom rng = new SeededRandom(3);
        int ways = 3, n = 6, dim = 10;
        double[][] x = new double[n][dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % ways;
            for (int d = 0; d < dim; d++) x[i][d] = rng.nextGaussian() + (d == y[i] ? 1.5 : 0);
        }
        LinearProbeClassifier.Fit full = LinearProbeClassifier.fit(x, y, ways, PROBE);
        assertTrue(full.gradientMax() < 1e-8 && full.iterations() < 30, "Newton converges: " + full);
        double[][] basis = LinearProbeClassifier.spanBasis(x);
        assertEquals(n, basis.length);
        LinearProbeClassifier.Fit reduced = LinearProbeClassifier.fit(LinearProbeClassifier.project(x, basis), y, ways, PROBE);
        for (int t = 0; t < 5; t++) {
            double[] q = new double[dim];
            for (int d = 0; d < dim; d++) q[d] = rng.nextGaussian();
            double[] zq = LinearProbeClassifier.project(new double[][] {q}, basis)[0];
            for (int c = 0; c < ways; c++) {
                double a = full.bias()[c] + DensePrototypeClassifier.dot(full.weights()[c], q);
                double b = reduced.bias()[c] + DensePrototypeClassifier.dot(reduced.weights()[c], zq);
                // logits agree up to softmax's shift of all classes; compare differences to class 0
                double a0 = full.bias()[0] + DensePrototypeClassifier.dot(full.weights()[0], q);
                double b0 = reduced.bias()[0] + DensePrototypeClassifier.dot(reduced.weights()[0], zq);
                assertEquals(a - a0, b - b0, 1e-6, "query " + t + " class " + c);
            }
        }
    }

    @Test
    void probeGradientAndHessianMatchFiniteDifferences() {
        SeededRandom rng = new SeededRandom(11);
        int ways = 3, n = 7, dim = 4;
        double[][] x = new double[n][dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % ways;
            for (int d = 0; d < dim; d++) x[i][d] = rng.nextGaussian();
        }
        LinearProbeClassifier.Objective f = new LinearProbeClassifier.Objective(x, y, ways, 0.7);
        double[] theta = new double[f.size()];
        for (int i = 0; i < theta.length; i++) theta[i] = 0.5 * rng.nextGaussian();
        double[] g = f.gradient(theta);
        double[][] h = f.hessian(theta);
        double eps = 1e-6;
        for (int i = 0; i < theta.length; i++) {
            double[] p = theta.clone(), m = theta.clone();
            p[i] += eps;
            m[i] -= eps;
            double numeric = (f.value(p) - f.value(m)) / (2 * eps);
            assertTrue(relErr(numeric, g[i]) < 1e-3, "d/dtheta_" + i + ": analytic " + g[i] + ", numeric " + numeric);
            double[] gp = f.gradient(p), gm = f.gradient(m);
            for (int j = 0; j < theta.length; j++) {
                double hn = (gp[j] - gm[j]) / (2 * eps);
                assertTrue(Math.abs(hn - h[j][i]) < 1e-6 || relErr(hn, h[j][i]) < 1e-3, "H[" + j + "][" + i + "]: " + h[j][i] + " vs " + hn);
            }
        }
    }

    static double relErr(double a, double b) {
        return Math.abs(a - b) / Math.max(1e-8, Math.max(Math.abs(a), Math.abs(b)));
    }

    @Test
    void hybridFallsBackToEachHalfWhenTheOtherCarriesNothing() {
        TfidfPrototypeClassifier tfidf = new TfidfPrototypeClassifier(List.of("court contract law", "violin melody song", "court ruling", "melody tune"));
        List<String> supportTexts = List.of("court contract", "violin melody");
        List<String> queryTexts = List.of("melody tune", "court ruling");
        double[][] flat = {{1, 1}, {1, 1}};
        HybridPrototypeClassifier hybrid = new HybridPrototypeClassifier(tfidf);
        assertArrayEquals(new int[] {1, 0}, hybrid.predict(supportTexts, flat, new int[] {0, 1}, 2, queryTexts, flat), "identical vectors: the words decide");
        double[][] support = {{1, 0}, {0, 1}};
        double[][] queries = {{0.9, 0.1}, {0.1, 0.9}};
        List<String> same = List.of("word", "word");
        assertArrayEquals(new int[] {0, 1}, hybrid.predict(same, support, new int[] {0, 1}, 2, same, queries), "identical texts: the vectors decide");
        // both halves disagree: equal weights, the stronger cosine wins (dense 0.99 vs a partial word match)
        assertArrayEquals(new int[] {1}, hybrid.predict(supportTexts, support, new int[] {0, 1}, 2, List.of("court"), new double[][] {{0, 1}}));
    }

    record Item(String id, String text) {}

    @Test
    void scoreRunsEveryFloorOnTheSameEpisodesAndNamesMissingVectors() {
        List<Episode<Item>> episodes = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            List<Labeled<Item>> support = List.of(new Labeled<>(new Item("s0", "court contract"), 0), new Labeled<>(new Item("s1", "violin melody"), 1));
            List<Labeled<Item>> query = List.of(new Labeled<>(new Item("q0", "contract court"), 0), new Labeled<>(new Item("q1", "melody"), 1),
                    new Labeled<>(new Item("q" + (2 + e), "violin"), e == 0 ? 0 : 1));
            episodes.add(new Episode<>("gcide/meta-test", List.of("law", "music"), support, query));
        }
        Map<String, float[]> vectors = Map.of("s0", new float[] {1, 0}, "s1", new float[] {0, 1}, "q0", new float[] {1, 0.1f},
                "q1", new float[] {0.1f, 1}, "q2", new float[] {0, 1}, "q3", new float[] {0, 1}, "q4", new float[] {0, 1});
        TfidfPrototypeClassifier tfidf = new TfidfPrototypeClassifier(List.of("court contract", "violin melody"));
        Map<String, EpisodeScores> rows = DenseFloors.score(episodes, vectors, Item::id, Item::text, tfidf, PROBE);
        assertEquals(List.of("tfidf-prototype", "base-prototype", "base-linear-probe", "tfidf+base-prototype"), List.copyOf(rows.keySet()));
        for (var r : rows.entrySet()) {
            assertEquals(3, r.getValue().episodes(), r.getKey());
            // episode 0's third query is labelled law but looks like music everywhere: 2/3, then 3/3 twice
            assertEquals((2.0 / 3 + 1 + 1) / 3, r.getValue().accuracy().mean(), 1e-12, r.getKey());
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> DenseFloors.score(episodes, Map.of("s0", new float[] {1, 0}), Item::id, Item::text, tfidf, PROBE));
        assertTrue(e.getMessage().contains("No dense vector for record 's1'"), e.getMessage());
    }

    @Test
    void resultsJsonRoundTripsAndIsReplacedWhole(@TempDir Path dir) throws Exception {
        EpisodeScores s = new EpisodeScores();
        s.add(new ClassificationScore(0.8, 0.75));
        s.add(new ClassificationScore(0.6, 0.5));
        List<ResultsRow> rows = List.of(ResultsRow.of(DenseFloors.BASE_PROTOTYPE, 5, s, 5, "gcide"),
                new ResultsRow("theta0", 1, 0.5, 0.01, 0.45, 600, null, null, null));
        Path file = ResultsJson.write(dir.resolve("report"), rows);
        assertEquals(dir.resolve("report/results.json"), file);
        assertEquals(rows, ResultsJson.read(file));
        String text = Files.readString(file);
        assertTrue(text.contains("\"macro_f1\"") && text.contains("\"ci95\"") && text.contains("\"method\" : \"base-prototype\""), text);
        assertEquals(1, text.split("\"ways\"").length - 1, "optional fields are left out when absent: " + text);
        assertEquals(0.7, rows.get(0).accuracy(), 1e-12);
        assertEquals(MeanWithCi.of(new double[] {0.8, 0.6}).ci95(), rows.get(0).ci95(), 1e-12);
        ResultsJson.write(dir.resolve("report"), rows.subList(1, 2));
        assertEquals(rows.subList(1, 2), ResultsJson.read(file));
        try (var files = Files.list(dir.resolve("report"))) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
        var bad = new ResultsRow("x", 1, Double.NaN, 0, 0, 1, null, null, null);
        assertThrows(IllegalArgumentException.class, () -> ResultsJson.write(dir, List.of(bad)));
    }
}
