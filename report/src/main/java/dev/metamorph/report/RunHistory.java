package dev.metamorph.report;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of a run's {@code metrics.jsonl} sorted into what the report draws: meta-training's
 * train and meta-val points, the curriculum of each target domain (validation checks, stage
 * boundaries, the learning-rate trace and the elastic events), and the stage times.
 *
 * <p>The curriculum's events carry their target domain as {@code target}; in runs written before
 * they did, the k-th {@code start} event belongs to the k-th of {@code dataset.target-domains}
 * (the main job adapts the targets in that order).
 */
public record RunHistory(MetaTraining metaTraining, List<Curriculum> curricula, Map<String, Double> stageSeconds) {
    /** A point of a curve. */
    public record Point(double x, double y) {}

    /** Meta-training: train query loss, meta-val loss and accuracy per step, the step kept. */
    public record MetaTraining(List<Point> trainLoss, List<Point> valLoss, List<Point> valAccuracy, Long selectedStep, String selectRule,
                               Map<String, Object> done) {
        public boolean isEmpty() {
            return trainLoss.isEmpty() && valLoss.isEmpty();
        }
    }

    /** An elastic-rate event: {@code grow}, {@code back-off} (the rate shrinks) or {@code rollback}, at a global step. */
    public record ElasticEvent(String kind, double globalStep, int stage) {}

    /** A stage's start: its first global step, the units it trains and their base rates. */
    public record StageStart(int stage, double globalStep, List<String> units, List<Double> rates, double targetFraction) {}

    /**
     * One target domain's curriculum.
     *
     * @param targetVal target meta-val loss at the start, each check and each stage end (x = global step)
     * @param sourceVal source meta-val loss at the start and each stage end (forgetting)
     * @param learningRate the top unit's rate x the elastic multiplier, per logged step
     * @param end the {@code end} event (losses before and after), or empty
     */
    public record Curriculum(String target, List<Point> targetVal, List<Point> sourceVal, List<Point> targetTrain, List<Point> sourceTrain,
                             List<Point> learningRate, List<StageStart> stages, List<ElasticEvent> events, Map<String, Object> end) {
        public double value(String key) {
            Object v = end.get(key);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }

    /** Sorts the folder's events. */
    public static RunHistory of(RunFolder run) {
        return new RunHistory(metaTraining(run), curricula(run), stageSeconds(run));
    }

    private static MetaTraining metaTraining(RunFolder run) {
        List<Point> train = new ArrayList<>(), valLoss = new ArrayList<>(), valAcc = new ArrayList<>();
        Long selected = null;
        String rule = null;
        Map<String, Object> done = Map.of();
        for (Map<String, Object> e : run.events()) {
            Object ev = e.get("event");
            if ("train".equals(ev) && num(e, "loss") != null) train.add(new Point(num(e, "step"), num(e, "loss")));
            if ("val".equals(ev)) {
                if (num(e, "val_loss") != null) valLoss.add(new Point(num(e, "step"), num(e, "val_loss")));
                if (num(e, "val_accuracy") != null) valAcc.add(new Point(num(e, "step"), num(e, "val_accuracy")));
            }
            if ("select".equals(ev) && num(e, "selected_step") != null) {
                selected = num(e, "selected_step").longValue();
                rule = String.valueOf(e.get("rule"));
            }
            if ("meta-train-done".equals(ev)) done = e;
        }
        return new MetaTraining(train, valLoss, valAcc, selected, rule, done);
    }

    private static List<String> targetDomains(RunFolder run) {
        if (run.configText().isBlank()) return List.of();
        try {
            Config c = ConfigFactory.parseString(run.configText());
            return c.hasPath("dataset.target-domains") ? c.getStringList("dataset.target-domains") : List.of();
        } catch (ConfigException e) {
            return List.of();
        }
    }

    private static List<Curriculum> curricula(RunFolder run) {
        List<String> targets = targetDomains(run);
        List<Curriculum> out = new ArrayList<>();
        Builder b = null;
        for (Map<String, Object> e : run.events()) {
            Object ev = e.get("event");
            if ("start".equals(ev) && e.containsKey("global-step")) {
                if (b != null) out.add(b.build());
                String target = e.get("target") instanceof String s ? s
                        : out.size() < targets.size() ? targets.get(out.size()) : "target " + (out.size() + 1);
                b = new Builder(target);
                b.targetVal.add(new Point(0, num(e, "target-loss")));
                if (num(e, "base-loss") != null) b.sourceVal.add(new Point(0, num(e, "base-loss")));
                continue;
            }
            if (b == null || !e.containsKey("global-step")) continue;
            double g = num(e, "global-step");
            switch (String.valueOf(ev)) {
                case "stage-start" -> {
                    List<Double> rates = new ArrayList<>();
                    if (e.get("rates") instanceof List<?> l) for (Object o : l) rates.add(((Number) o).doubleValue());
                    List<String> units = new ArrayList<>();
                    if (e.get("units") instanceof List<?> l) for (Object o : l) units.add(String.valueOf(o));
                    b.stages.add(new StageStart(num(e, "stage").intValue(), g, units, rates, orNaN(num(e, "target-fraction"))));
                    b.topRate = rates.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
                    b.lr(g, num(e, "multiplier"));
                }
                case "step" -> {
                    (("target".equals(e.get("domain"))) ? b.targetTrain : b.sourceTrain).add(new Point(g, num(e, "loss")));
                    b.lr(g, num(e, "multiplier"));
                }
                case "check" -> {
                    b.targetVal.add(new Point(g, num(e, "target-loss")));
                    b.lr(g, num(e, "multiplier"));
                }
                case "grow", "back-off", "rollback" -> {
                    b.events.add(new ElasticEvent(String.valueOf(ev), g, num(e, "stage").intValue()));
                    b.lr(g, num(e, "multiplier"));
                }
                case "stage-end" -> {
                    if (num(e, "target-loss") != null) b.targetVal.add(new Point(g, num(e, "target-loss")));
                    if (num(e, "base-loss") != null) b.sourceVal.add(new Point(g, num(e, "base-loss")));
                }
                case "end" -> {
                    b.end = e;
                    out.add(b.build());
                    b = null;
                }
                default -> { }
            }
        }
        if (b != null) out.add(b.build());
        return out;
    }

    private static Map<String, Double> stageSeconds(RunFolder run) {
        Map<String, Double> s = new LinkedHashMap<>();
        for (Map<String, Object> e : run.events("stage-time")) {
            if (num(e, "seconds") != null) s.merge(String.valueOf(e.get("stage")), num(e, "seconds"), Double::sum);
        }
        return s;
    }

    private static final class Builder {
        final String target;
        final List<Point> targetVal = new ArrayList<>(), sourceVal = new ArrayList<>(), targetTrain = new ArrayList<>(), sourceTrain = new ArrayList<>(),
                learningRate = new ArrayList<>();
        final List<StageStart> stages = new ArrayList<>();
        final List<ElasticEvent> events = new ArrayList<>();
        Map<String, Object> end = Map.of();
        double topRate = Double.NaN;

        Builder(String target) {
            this.target = target;
        }

        void lr(double g, Double multiplier) {
            if (multiplier == null || Double.isNaN(topRate)) return;
            // the trace is a step function: a change at step g replaces the value logged at g
            if (!learningRate.isEmpty() && learningRate.get(learningRate.size() - 1).x() == g) learningRate.remove(learningRate.size() - 1);
            learningRate.add(new Point(g, topRate * multiplier));
        }

        Curriculum build() {
            return new Curriculum(target, targetVal, sourceVal, targetTrain, sourceTrain, learningRate, stages, events, end);
        }
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }

    private static Double num(Map<String, Object> e, String key) {
        return e.get(key) instanceof Number n ? n.doubleValue() : null;
    }
}
