package dev.metamorph.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One row of {@code report/results.json}: a method's score at one shot count, over
 * {@code episodes} fixed episodes. Accuracy and macro-F1 are means over episodes in [0, 1];
 * {@code ci95} is the half-width of the 95% CI of the accuracy ({@link MeanWithCi}).
 *
 * @param method      row name ({@code tfidf-prototype}, {@code base-prototype}, {@code theta0}...)
 * @param macroF1Ci95 half-width of the macro-F1 CI, or null
 * @param ways        classes per episode, or null
 * @param domain      target domain, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultsRow(
        @JsonProperty("method") String method,
        @JsonProperty("shots") int shots,
        @JsonProperty("accuracy") double accuracy,
        @JsonProperty("ci95") double ci95,
        @JsonProperty("macro_f1") double macroF1,
        @JsonProperty("episodes") int episodes,
        @JsonProperty("macro_f1_ci95") Double macroF1Ci95,
        @JsonProperty("ways") Integer ways,
        @JsonProperty("domain") String domain) {

    public ResultsRow {
        if (method == null || method.isBlank()) throw new IllegalArgumentException("A results row needs a method name");
        if (shots < 1) throw new IllegalArgumentException("Row '" + method + "': shots must be >= 1, got " + shots);
        if (episodes < 1) throw new IllegalArgumentException("Row '" + method + "': episodes must be >= 1, got " + episodes);
    }

    /** The row of scores collected over episodes. */
    public static ResultsRow of(String method, int shots, EpisodeScores scores, Integer ways, String domain) {
        MeanWithCi acc = scores.accuracy();
        MeanWithCi f1 = scores.macroF1();
        return new ResultsRow(method, shots, acc.mean(), acc.ci95(), f1.mean(), scores.episodes(), f1.ci95(), ways, domain);
    }
}
