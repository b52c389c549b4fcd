package dev.metamorph.curriculum;

import com.typesafe.config.Config;
import dev.metamorph.core.config.KeySuggester;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import dev.metamorph.core.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated {@code curriculum} namespace (every key is documented in the module's
 * {@code reference.conf}). Built once at the edge with {@link #from(Config)}; copies with one
 * change via the {@code withX} methods (used by tests and callers that tune one setting).
 *
 * @param stages number of stages
 * @param stepsPerStage optimiser steps per stage
 * @param mix the per-stage fraction of target-domain batches
 * @param unfreeze gradual unfreezing
 * @param lr learning rate of the top unit
 * @param layerLrDecay factor between the rates of consecutive units
 * @param elastic the elastic learning-rate multiplier and rollback
 * @param ewcLambda EWC strength, 0 = off
 * @param ewcFisherBatches base batches for the diagonal Fisher
 * @param optimizer adam or sgd
 * @param momentum SGD momentum
 * @param adam Adam's hyper-parameters
 * @param gradClip global-norm clip, 0 = off
 * @param logEvery steps between "step" metrics events, 0 = none
 * @param checkpointEvery steps between checkpoints, 0 = stage ends only
 */
public record CurriculumConfig(int stages, int stepsPerStage, Mix mix, Unfreeze unfreeze, double lr, double layerLrDecay,
                               Elastic elastic, double ewcLambda, int ewcFisherBatches, OptimizerKind optimizer,
                               double momentum, Adam adam, double gradClip, int logEvery, int checkpointEvery) {
    private static final String NS = "curriculum";

    /** The optimiser that applies the scaled, masked gradient. */
    public enum OptimizerKind {
        /** SGD with (heavy-ball) momentum. */
        SGD,
        /** Adam with per-unit bias correction. */
        ADAM;

        static OptimizerKind fromKey(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "sgd" -> SGD;
                case "adam" -> ADAM;
                default -> throw new IllegalArgumentException("curriculum.optimizer must be adam or sgd, got '" + s + "'");
            };
        }
    }

    /** {@code curriculum.mix}: explicit per-stage fractions, or a linear schedule from start to end. */
    public record Mix(List<Double> targetFractions, double start, double end) {
        public Mix {
            targetFractions = List.copyOf(targetFractions);
            for (double f : targetFractions) Checks.inClosedRange("curriculum.mix.target-fractions", f, 0.0, 1.0);
            Checks.inClosedRange("curriculum.mix.start", start, 0.0, 1.0);
            Checks.inClosedRange("curriculum.mix.end", end, 0.0, 1.0);
        }
    }

    /** {@code curriculum.unfreeze}: unit prefixes (top first; empty = derived from the layout) and the schedule. */
    public record Unfreeze(List<String> units, int initial, int perStage) {
        public Unfreeze {
            units = List.copyOf(units);
            for (String u : units) Checks.notBlank("curriculum.unfreeze.units (an entry)", u);
            Checks.check(new TreeSet<>(units).size() == units.size(), "curriculum.unfreeze.units lists a prefix twice: %s", units);
            Checks.nonNegative("curriculum.unfreeze.initial", initial);
            Checks.nonNegative("curriculum.unfreeze.per-stage", perStage);
        }
    }

    /** {@code curriculum.elastic}: checks, grow/back-off factors, bounds, rollback limit. */
    public record Elastic(int checkEvery, double grow, double backOff, double tolerance, double minMultiplier,
                          double maxMultiplier, int maxRollbacksInARow) {
        public Elastic {
            Checks.nonNegative("curriculum.elastic.check-every", checkEvery);
            Checks.check(grow >= 1.0 && Double.isFinite(grow), "curriculum.elastic.grow must be a finite number >= 1, got %s", grow);
            Checks.check(backOff > 0 && backOff <= 1.0, "curriculum.elastic.back-off must be in (0, 1], got %s", backOff);
            Checks.nonNegative("curriculum.elastic.tolerance", tolerance);
            Checks.positive("curriculum.elastic.min-multiplier", minMultiplier);
            Checks.positive("curriculum.elastic.max-multiplier", maxMultiplier);
            Checks.check(minMultiplier <= 1.0 && maxMultiplier >= 1.0,
                    "curriculum.elastic.min-multiplier must be <= 1 <= curriculum.elastic.max-multiplier (the multiplier starts at 1), got %s and %s",
                    minMultiplier, maxMultiplier);
            Checks.positive("curriculum.elastic.max-rollbacks-in-a-row", maxRollbacksInARow);
        }

        /** Whether checks (and so growth and rollback) happen at all. */
        public boolean enabled() {
            return checkEvery > 0;
        }
    }

    /** {@code curriculum.adam}. */
    public record Adam(double beta1, double beta2, double epsilon) {
        public Adam {
            Checks.check(beta1 >= 0 && beta1 < 1, "curriculum.adam.beta1 must be in [0, 1), got %s", beta1);
            Checks.check(beta2 >= 0 && beta2 < 1, "curriculum.adam.beta2 must be in [0, 1), got %s", beta2);
            Checks.positive("curriculum.adam.epsilon", epsilon);
        }
    }

    public CurriculumConfig {
        Checks.positive("curriculum.stages", stages);
        Checks.positive("curriculum.steps-per-stage", stepsPerStage);
        Checks.notNull("curriculum.mix", mix);
        Checks.check(mix.targetFractions().isEmpty() || mix.targetFractions().size() == stages,
                "curriculum.mix.target-fractions lists %s fractions but curriculum.stages is %s: give one per stage, or [] to use mix.start/end",
                mix.targetFractions().size(), stages);
        Checks.notNull("curriculum.unfreeze", unfreeze);
        Checks.positive("curriculum.lr", lr);
        Checks.check(layerLrDecay > 0 && layerLrDecay <= 1.0, "curriculum.layer-lr-decay must be in (0, 1], got %s", layerLrDecay);
        Checks.notNull("curriculum.elastic", elastic);
        Checks.nonNegative("curriculum.ewc-lambda", ewcLambda);
        Checks.positive("curriculum.ewc-fisher-batches", ewcFisherBatches);
        Checks.notNull("curriculum.optimizer", optimizer);
        Checks.check(momentum >= 0 && momentum < 1, "curriculum.momentum must be in [0, 1), got %s", momentum);
        Checks.notNull("curriculum.adam", adam);
        Checks.nonNegative("curriculum.grad-clip", gradClip);
        Checks.nonNegative("curriculum.log-every", logEvery);
        Checks.nonNegative("curriculum.checkpoint-every", checkpointEvery);
    }

    /** The fraction of target batches in stage {@code stage} (0-based). */
    public double targetFraction(int stage) {
        if (stage < 0 || stage >= stages) throw new IllegalArgumentException("stage " + stage + " outside 0.." + (stages - 1));
        if (!mix.targetFractions().isEmpty()) return mix.targetFractions().get(stage);
        if (stages == 1) return mix.end();
        return mix.start() + (mix.end() - mix.start()) * stage / (stages - 1);
    }

    /** How many units (from the top) train in stage {@code stage}, before capping at the number of units. */
    public int trainableUnits(int stage) {
        return 1 + unfreeze.initial() + stage * unfreeze.perStage();
    }

    /**
     * Reads and validates {@code curriculum} from a composed config. Unknown keys fail naming the key,
     * where it was set and the closest valid key; bad values fail naming the key and its origin.
     */
    public static CurriculumConfig from(Config c) {
        Config reference = ConfigFactory.defaultReference();
        rejectUnknownKeys(c, reference);
        try {
            c.checkValid(reference, NS);
        } catch (ConfigException.ValidationFailed e) {
            throw new ConfigException.BadValue(NS, e.getMessage() + " (see curriculum/src/main/resources/reference.conf for each key's type)", e);
        }
        Config m = c.getConfig(NS);
        try {
            Config mix = m.getConfig("mix");
            Config un = m.getConfig("unfreeze");
            Config el = m.getConfig("elastic");
            Config ad = m.getConfig("adam");
            return new CurriculumConfig(m.getInt("stages"), m.getInt("steps-per-stage"),
                    new Mix(mix.getDoubleList("target-fractions"), mix.getDouble("start"), mix.getDouble("end")),
                    new Unfreeze(un.getStringList("units"), un.getInt("initial"), un.getInt("per-stage")),
                    m.getDouble("lr"), m.getDouble("layer-lr-decay"),
                    new Elastic(el.getInt("check-every"), el.getDouble("grow"), el.getDouble("back-off"), el.getDouble("tolerance"),
                            el.getDouble("min-multiplier"), el.getDouble("max-multiplier"), el.getInt("max-rollbacks-in-a-row")),
                    m.getDouble("ewc-lambda"), m.getInt("ewc-fisher-batches"), OptimizerKind.fromKey(m.getString("optimizer")),
                    m.getDouble("momentum"), new Adam(ad.getDouble("beta1"), ad.getDouble("beta2"), ad.getDouble("epsilon")),
                    m.getDouble("grad-clip"), m.getInt("log-every"), m.getInt("checkpoint-every"));
        } catch (ConfigException.WrongType e) {
            String msg = e.getMessage();
            String where = e.origin() == null ? "" : e.origin().description() + ": ";
            if (msg.startsWith(where)) msg = msg.substring(where.length());
            throw new ConfigException.WrongType(e.origin(), NS + "." + msg + " (each key's type is documented in curriculum/src/main/resources/reference.conf)", e);
        } catch (IllegalArgumentException e) {
            String key = keyIn(e.getMessage());
            String rel = key != null && key.startsWith(NS + ".") ? key.substring(NS.length() + 1) : null;
            ConfigOrigin origin = rel != null && m.hasPath(rel) ? m.getValue(rel).origin() : m.origin();
            throw new ConfigException.BadValue(origin, key != null ? key : NS, e.getMessage(), e);
        }
    }

    /** The reference defaults. */
    public static CurriculumConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    private static final Pattern KEY = Pattern.compile("curriculum\\.[a-z0-9.-]*[a-z0-9]");

    private static String keyIn(String message) {
        if (message == null) return null;
        Matcher k = KEY.matcher(message);
        return k.find() ? k.group() : null;
    }

    private static void rejectUnknownKeys(Config c, Config reference) {
        if (!c.hasPath(NS)) return;
        Set<String> known = KeySuggester.allPaths(reference.getConfig(NS).root());
        List<String> prefix = new ArrayList<>();
        walk(c.getConfig(NS).root(), reference.getConfig(NS).root(), prefix, known);
    }

    private static void walk(ConfigObject obj, ConfigObject ref, List<String> prefix, Set<String> known) {
        for (var e : obj.entrySet()) {
            prefix.add(e.getKey());
            ConfigValue refValue = ref.get(e.getKey());
            String path = ConfigUtil.joinPath(prefix);
            if (refValue == null) {
                ConfigOrigin o = e.getValue().origin();
                String where = o == null ? "" : " (set at " + o.description() + ")";
                String hint = KeySuggester.closest(path, known).orElse(null);
                throw new ConfigException.BadPath(o, NS + "." + path, "unknown key" + where
                        + (hint == null ? "" : "; did you mean " + NS + "." + hint + "?")
                        + " The curriculum keys are " + known + ", documented in curriculum/src/main/resources/reference.conf.");
            }
            if (e.getValue() instanceof ConfigObject child && refValue instanceof ConfigObject refChild) walk(child, refChild, prefix, known);
            prefix.remove(prefix.size() - 1);
        }
    }


    public CurriculumConfig withStages(int n, int steps) {
        return new CurriculumConfig(n, steps, mix, unfreeze, lr, layerLrDecay, elastic, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withMix(Mix m) {
        return new CurriculumConfig(stages, stepsPerStage, m, unfreeze, lr, layerLrDecay, elastic, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withUnfreeze(Unfreeze u) {
        return new CurriculumConfig(stages, stepsPerStage, mix, u, lr, layerLrDecay, elastic, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withLr(double topLr, double decay) {
        return new CurriculumConfig(stages, stepsPerStage, mix, unfreeze, topLr, decay, elastic, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withElastic(Elastic e) {
        return new CurriculumConfig(stages, stepsPerStage, mix, unfreeze, lr, layerLrDecay, e, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withEwc(double lambda, int fisherBatches) {
        return new CurriculumConfig(stages, stepsPerStage, mix, unfreeze, lr, layerLrDecay, elastic, lambda, fisherBatches, optimizer, momentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withOptimizer(OptimizerKind kind, double sgdMomentum) {
        return new CurriculumConfig(stages, stepsPerStage, mix, unfreeze, lr, layerLrDecay, elastic, ewcLambda, ewcFisherBatches, kind, sgdMomentum, adam, gradClip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withGradClip(double clip) {
        return new CurriculumConfig(stages, stepsPerStage, mix, unfreeze, lr, layerLrDecay, elastic, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, clip, logEvery, checkpointEvery);
    }

    public CurriculumConfig withCheckpointEvery(int n) {
        return new CurriculumConfig(stages, stepsPerStage, mix, unfreeze, lr, layerLrDecay, elastic, ewcLambda, ewcFisherBatches, optimizer, momentum, adam, gradClip, logEvery, n);
    }
}
