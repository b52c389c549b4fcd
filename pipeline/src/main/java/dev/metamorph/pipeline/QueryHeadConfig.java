package dev.metamorph.pipeline;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.metamorph.eval.LinearProbeClassifier;
import java.util.Locale;

/**
 * How trained parameters predict after adaptation ({@code eval.head}): the model's own head, or the
 * {@link FittedHead} with its settings ({@code eval.fitted-head.*}; the solver's iteration limit and
 * tolerance from {@code eval.floors}). The evaluation reads it, and an exported adapter carries it
 * (manifest field {@code head}), so that the served adapter predicts as the evaluation did.
 *
 * @param kind          {@code MODEL} or {@code FITTED}
 * @param lexicalWeight {@code eval.fitted-head.lexical-weight} (unused by {@code MODEL})
 * @param options       penalty {@code eval.fitted-head.l2}, {@code eval.floors.probe-max-iterations} and {@code probe-tolerance}
 * @param minShots      {@code eval.fitted-head.min-shots}
 */
public record QueryHeadConfig(Kind kind, double lexicalWeight, LinearProbeClassifier.Options options, int minShots) {
    /** The two heads. */
    public enum Kind { MODEL, FITTED;
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The model's own head (what bundles written before the head was recorded predict with). */
    public static final QueryHeadConfig MODEL = new QueryHeadConfig(Kind.MODEL, 0.5, LinearProbeClassifier.Options.defaults(), 2);

    public QueryHeadConfig {
        if (kind == null) throw new IllegalArgumentException("eval.head must be model or fitted");
        if (options == null) throw new IllegalArgumentException("The fitted head needs its solver options");
        if (minShots < 1) throw new IllegalArgumentException("eval.fitted-head.min-shots must be >= 1, got " + minShots);
        if (!(lexicalWeight >= 0 && lexicalWeight <= 1)) throw new IllegalArgumentException("eval.fitted-head.lexical-weight must be in [0, 1], got " + lexicalWeight);
    }

    /** Reads {@code eval.head}, {@code eval.fitted-head} and {@code eval.floors} of a composed config; errors name the key and its origin. */
    public static QueryHeadConfig from(Config c) {
        String head = c.getString("eval.head");
        Kind kind = switch (head) {
            case "model" -> Kind.MODEL;
            case "fitted" -> Kind.FITTED;
            default -> throw new ConfigException.BadValue(c.getValue("eval.head").origin(), "eval.head",
                    "unknown value '" + head + "'; expected model (the model's own head) or fitted (logistic regression on the support rows' embeddings and TF-IDF vectors)");
        };
        try {
            LinearProbeClassifier.Options floor = LinearProbeClassifier.Options.from(c);
            return new QueryHeadConfig(kind, c.getDouble("eval.fitted-head.lexical-weight"),
                    new LinearProbeClassifier.Options(c.getDouble("eval.fitted-head.l2"), floor.maxIterations(), floor.tolerance()), c.getInt("eval.fitted-head.min-shots"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(c.getValue("eval.fitted-head").origin(), "eval.fitted-head", e.getMessage());
        }
    }

    public boolean fitted() {
        return kind == Kind.FITTED;
    }

    /** The evaluation's head object for a model fed the lexical matrix times {@code lexicalGain}. */
    public FittedHead fittedHead(double lexicalGain) {
        return new FittedHead(lexicalWeight, lexicalGain, options, minShots);
    }
}
