package dev.metamorph.eval;

import dev.metamorph.core.data.Episode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The no-training floors of BENCHMARKS.md section 2 as {@link EpisodeClassifier}s, and one call that
 * scores them all on the same episodes. Dense rows read one vector per record (the frozen base's
 * L2-normalised pooled sentence embedding), supplied by the caller; this module does not compute
 * them. Every row is scored by {@link EpisodeScores#of}: accuracy and macro-F1 per episode, means
 * with 95% CIs over episodes.
 */
public final class DenseFloors {
    public static final String TFIDF_PROTOTYPE = "tfidf-prototype";
    public static final String BASE_PROTOTYPE = "base-prototype";
    public static final String BASE_LINEAR_PROBE = "base-linear-probe";
    public static final String TFIDF_BASE_PROTOTYPE = "tfidf+base-prototype";

    private DenseFloors() {}

    /**
     * Scores {@code tfidf-prototype}, {@code base-prototype}, {@code base-linear-probe} and
     * {@code tfidf+base-prototype} on {@code episodes}, in that order.
     *
     * @param vectorsById dense vector of each record by id (every support and query record needs one)
     * @param idOf        a record's id
     * @param textOf      a record's text, for the TF-IDF rows
     * @param tfidf       TF-IDF weights over the target domain's texts
     * @param probe       the linear probe's settings ({@link LinearProbeClassifier.Options#from})
     */
    public static <E> Map<String, EpisodeScores> score(List<Episode<E>> episodes, Map<String, float[]> vectorsById, Function<E, String> idOf,
                                                       Function<E, String> textOf, TfidfPrototypeClassifier tfidf, LinearProbeClassifier.Options probe) {
        Function<E, float[]> vectorOf = byId(vectorsById, idOf);
        Map<String, EpisodeScores> out = new LinkedHashMap<>();
        out.put(TFIDF_PROTOTYPE, EpisodeScores.of(episodes, tfidfPrototype(tfidf, textOf)));
        out.put(BASE_PROTOTYPE, EpisodeScores.of(episodes, basePrototype(vectorOf)));
        out.put(BASE_LINEAR_PROBE, EpisodeScores.of(episodes, baseLinearProbe(vectorOf, probe)));
        out.put(TFIDF_BASE_PROTOTYPE, EpisodeScores.of(episodes, tfidfBasePrototype(tfidf, textOf, vectorOf)));
        return out;
    }

    /** Looks vectors up by record id; a missing one is an error naming the id. */
    public static <E> Function<E, float[]> byId(Map<String, float[]> vectorsById, Function<E, String> idOf) {
        return e -> {
            String id = idOf.apply(e);
            float[] v = vectorsById.get(id);
            if (v == null) throw new IllegalArgumentException("No dense vector for record '" + id + "'; the caller must supply one for every support and query record ("
                    + vectorsById.size() + " supplied)");
            return v;
        };
    }

    /** {@code tfidf-prototype}: cosine to class means of TF-IDF vectors. */
    public static <E> EpisodeClassifier<E> tfidfPrototype(TfidfPrototypeClassifier tfidf, Function<E, String> textOf) {
        return e -> tfidf.predict(texts(e.support(), textOf), labels(e.support()), e.ways(), texts(e.query(), textOf));
    }

    /** {@code base-prototype}: cosine to class means of the dense vectors. */
    public static <E> EpisodeClassifier<E> basePrototype(Function<E, float[]> vectorOf) {
        return e -> DensePrototypeClassifier.predict(vectors(e.support(), vectorOf), labels(e.support()), e.ways(), vectors(e.query(), vectorOf));
    }

    /** {@code base-linear-probe}: logistic regression fitted on the support vectors. */
    public static <E> EpisodeClassifier<E> baseLinearProbe(Function<E, float[]> vectorOf, LinearProbeClassifier.Options options) {
        LinearProbeClassifier probe = new LinearProbeClassifier(options);
        return e -> probe.predict(vectors(e.support(), vectorOf), labels(e.support()), e.ways(), vectors(e.query(), vectorOf));
    }

    /** {@code tfidf+base-prototype}: cosine to class means of [TF-IDF, dense] halves of equal weight. */
    public static <E> EpisodeClassifier<E> tfidfBasePrototype(TfidfPrototypeClassifier tfidf, Function<E, String> textOf, Function<E, float[]> vectorOf) {
        HybridPrototypeClassifier hybrid = new HybridPrototypeClassifier(tfidf);
        return e -> hybrid.predict(texts(e.support(), textOf), vectors(e.support(), vectorOf), labels(e.support()), e.ways(),
                texts(e.query(), textOf), vectors(e.query(), vectorOf));
    }

    static <E> List<String> texts(List<Episode.Labeled<E>> xs, Function<E, String> textOf) {
        return xs.stream().map(l -> textOf.apply(l.example())).toList();
    }

    static <E> int[] labels(List<Episode.Labeled<E>> xs) {
        return xs.stream().mapToInt(Episode.Labeled::label).toArray();
    }

    static <E> double[][] vectors(List<Episode.Labeled<E>> xs, Function<E, float[]> vectorOf) {
        double[][] out = new double[xs.size()][];
        for (int i = 0; i < out.length; i++) {
            float[] v = vectorOf.apply(xs.get(i).example());
            out[i] = new double[v.length];
            for (int d = 0; d < v.length; d++) out[i][d] = v[d];
        }
        return out;
    }
}
