package dev.metamorph.curriculum;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.io.SafeTensors;
import dev.metamorph.core.io.SafeTensorsFile;
import dev.metamorph.core.learn.NonFiniteException;
import dev.metamorph.core.learn.ParamLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and restores a whole adaptation in one safetensors file (written through core's durable
 * write path; NaN or infinite parameters and negative counters are refused on load): theta, optimiser state, elastic multiplier and
 * last good state, the Fisher diagonal, the generator's state, stage, step and the figures of the
 * finished stages. Values are stored as float64/int64, so a resumed run continues bitwise.
 */
final class CurriculumCheckpoint {
    static final String FORMAT = "metamorph-curriculum-checkpoint-1";
    private static final int STAGE_FIELDS = 12;

    private CurriculumCheckpoint() {}

    static void save(Path file, RunState s, SeededRandom rng, CurriculumConfig config, ParamLayout layout) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("theta", Nd4j.createFromArray(s.current.theta));
        putOptimizer(t, "opt.", s.current.optimizer);
        TrainingState good = s.elastic.lastGood();
        t.put("good.theta", Nd4j.createFromArray(good.theta));
        putOptimizer(t, "good.opt.", good.optimizer);
        t.put("theta0", Nd4j.createFromArray(s.theta0));
        if (s.fisher != null) t.put("fisher", Nd4j.createFromArray(s.fisher));
        t.put("rng", Nd4j.createFromArray(rng.state()));
        t.put("ints", Nd4j.createFromArray(new long[] {s.stage, s.stageStarted ? 1 : 0, s.current.step, good.step, s.stepsRun, s.targetBatches,
            s.baseBatches, s.rollbacksAtStageStart, s.stoppedEarly ? 1 : 0, s.globalStep, s.elastic.rollbacksInARow(), s.elastic.rollbacks()}));
        t.put("doubles", Nd4j.createFromArray(new double[] {s.elastic.multiplier(), s.elastic.bestLoss(), s.targetLossStart,
            s.targetLossBefore, s.baseLossBefore}));
        if (!s.completed.isEmpty()) {
            double[][] rows = new double[s.completed.size()][];
            for (int i = 0; i < rows.length; i++) {
                StageResult r = s.completed.get(i);
                rows[i] = new double[] {r.stage(), r.targetFraction(), r.stepsRun(), r.targetBatches(), r.baseBatches(), r.rollbacks(),
                    r.stoppedEarly() ? 1 : 0, r.targetLossStart(), r.targetLossEnd(), r.baseLossEnd(), r.multiplierEnd(), r.units().size()};
            }
            t.put("stages", Nd4j.createFromArray(rows));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", config.toString());
        meta.put("layout", String.join(",", layout.names()) + "/" + layout.size());
        SafeTensors.write(file, t, meta);
    }

    private static void putOptimizer(Map<String, INDArray> t, String prefix, FlatOptimizer o) {
        t.put(prefix + "first", Nd4j.createFromArray(o.first()));
        if (o.second().length > 0) t.put(prefix + "second", Nd4j.createFromArray(o.second()));
        if (o.unitSteps().length > 0) t.put(prefix + "unit-steps", Nd4j.createFromArray(o.unitSteps()));
    }

    /**
     * Loads {@code file} into {@code s} (whose arrays have the right sizes) and the generator.
     *
     * @throws IllegalArgumentException if the checkpoint belongs to another config, layout or theta_start
     */
    static void load(Path file, RunState s, SeededRandom rng, CurriculumConfig config, ParamLayout layout, UnfreezingPlan plan) {
        SafeTensorsFile f = SafeTensors.read(file);
        Map<String, String> meta = f.metadata();
        String what = "Cannot resume from " + file + ": ";
        if (!FORMAT.equals(meta.get("format"))) throw new IllegalArgumentException(what + "not a curriculum checkpoint (format " + meta.get("format") + ", expected " + FORMAT + ")");
        String layoutKey = String.join(",", layout.names()) + "/" + layout.size();
        if (!layoutKey.equals(meta.get("layout"))) throw new IllegalArgumentException(what + "it was written for another learner (parameter layout differs). Use a fresh checkpoint folder.");
        if (!config.toString().equals(meta.get("config"))) {
            throw new IllegalArgumentException(what + "it was written with another curriculum config:\n  checkpoint: " + meta.get("config") + "\n  now:        " + config
                    + "\nResume with the same settings, or use a fresh checkpoint folder.");
        }
        if (!Arrays.equals(f.getDoubles("theta0"), s.theta0)) throw new IllegalArgumentException(what + "it was started from another theta_start. Resume with the same starting parameters, or use a fresh checkpoint folder.");
        for (String name : new String[] {"theta", "good.theta"}) {
            String bad = NonFiniteException.describe(name, f.getDoubles(name));
            if (bad != null) throw new IllegalArgumentException(what + bad + "; a checkpoint with NaN or infinite parameters is refused (delete it to restart the curriculum)");
        }
        long[] counters = longs(f, "ints");
        for (int i = 0; i < counters.length; i++) {
            if (counters[i] < 0) throw new IllegalArgumentException(what + "counter " + i + " of 'ints' (stage, steps) is " + counters[i] + ", negative; the checkpoint is damaged");
        }
        System.arraycopy(f.getDoubles("theta"), 0, s.current.theta, 0, s.current.theta.length);
        loadOptimizer(f, "opt.", s.current.optimizer);
        long[] ints = longs(f, "ints");
        double[] d = f.getDoubles("doubles");
        TrainingState good = s.current.copy();
        System.arraycopy(f.getDoubles("good.theta"), 0, good.theta, 0, good.theta.length);
        loadOptimizer(f, "good.opt.", good.optimizer);
        good.step = (int) ints[3];
        s.fisher = f.contains("fisher") ? f.getDoubles("fisher") : null;
        rng.restore(longs(f, "rng"));
        s.stage = (int) ints[0];
        s.stageStarted = ints[1] == 1;
        s.current.step = (int) ints[2];
        s.stepsRun = (int) ints[4];
        s.targetBatches = (int) ints[5];
        s.baseBatches = (int) ints[6];
        s.rollbacksAtStageStart = (int) ints[7];
        s.stoppedEarly = ints[8] == 1;
        s.globalStep = ints[9];
        s.elastic.load(d[0], d[1], (int) ints[10], (int) ints[11], good);
        s.targetLossStart = d[2];
        s.targetLossBefore = d[3];
        s.baseLossBefore = d[4];
        s.completed.clear();
        if (f.contains("stages")) {
            double[] rows = f.getDoubles("stages");
            for (int i = 0; i < rows.length / STAGE_FIELDS; i++) {
                int o = i * STAGE_FIELDS;
                int stage = (int) rows[o];
                List<String> units = plan.trainablePrefixes(stage);
                s.completed.add(new StageResult(stage, units, rows[o + 1], (int) rows[o + 2], (int) rows[o + 3], (int) rows[o + 4], (int) rows[o + 5],
                        rows[o + 6] == 1, rows[o + 7], rows[o + 8], rows[o + 9], rows[o + 10]));
            }
        }
    }

    private static void loadOptimizer(SafeTensorsFile f, String prefix, FlatOptimizer o) {
        double[] first = f.getDoubles(prefix + "first");
        double[] second = f.contains(prefix + "second") ? f.getDoubles(prefix + "second") : new double[0];
        long[] steps = f.contains(prefix + "unit-steps") ? longs(f, prefix + "unit-steps") : new long[0];
        o.load(first, second, steps);
    }

    private static long[] longs(SafeTensorsFile f, String name) {
        return f.get(name).toLongVector();
    }
}
