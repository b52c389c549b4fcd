package dev.metamorph.maml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The logic of {@code maml.backend = auto}'s measured choice, with injected timings (no clock): the
 * faster candidate wins and serves every later meta-batch, the first meta-batch's answer is the
 * winner's, a tie goes to the first candidate, and a later engine with the same key takes the kept
 * choice without measuring (the loser is never even built).
 */
class MeasuredMetaGradientTest {
    /** A fake engine: writes its own constant into the gradient, counts its calls and whether it was closed. */
    private static final class Fake implements MetaGradient<String> {
        final double value;
        int calls;
        boolean closed;

        Fake(double value) {
            this.value = value;
        }

        @Override
        public double compute(double[] theta, double[] alpha, List<TaskData<String>> tasks, double[] gradTheta, double[] gradAlpha) {
            calls++;
            java.util.Arrays.fill(gradTheta, value);
            return 10 * value;
        }

        @Override
        public long workingBytes() {
            return 0;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final List<TaskData<String>> TASKS = List.of(new TaskData<>("d", "s", "q"), new TaskData<>("d", "s", "q"));

    /** Times a call as the scripted duration of the engine that last ran (by its value), in ms. */
    private static ToLongFunction<Runnable> scripted(List<Fake> engines, Map<Double, Long> msByValue) {
        return call -> {
            int[] before = engines.stream().mapToInt(f -> f.calls).toArray();
            call.run();
            for (int i = 0; i < engines.size(); i++) if (engines.get(i).calls > before[i]) return msByValue.get(engines.get(i).value) * 1_000_000L;
            throw new AssertionError("the timed call ran no engine");
        };
    }

    private static MeasuredMetaGradient<String> engine(List<Fake> made, Map<String, String> choices, Map<Double, Long> ms) {
        List<MeasuredMetaGradient.Candidate<String>> cands = List.of(
                new MeasuredMetaGradient.Candidate<>("eager", () -> add(made, new Fake(1.0))),
                new MeasuredMetaGradient.Candidate<>("graph", () -> add(made, new Fake(2.0))));
        return new MeasuredMetaGradient<>("tiny", cands, scripted(made, ms), choices);
    }

    private static Fake add(List<Fake> made, Fake f) {
        made.add(f);
        return f;
    }

    @Test
    void theFasterPathWinsAnswersTheFirstMetaBatchAndServesTheRest() {
        List<Fake> made = new ArrayList<>();
        Map<String, String> choices = new HashMap<>();
        MeasuredMetaGradient<String> e = engine(made, choices, Map.of(1.0, 130L, 2.0, 40L));
        assertNull(e.choice());
        double[] g = new double[3];
        double loss = e.compute(new double[3], new double[3], TASKS, g, null);
        assertEquals("graph", e.choice());
        assertArrayEquals(new double[] {2, 2, 2}, g, 0.0);
        assertEquals(20.0, loss, 0.0);
        assertEquals(Map.of("eager", 130.0, "graph", 40.0), e.measuredMs());
        Fake eager = made.get(0), graph = made.get(1);
        assertEquals(1 + MeasuredMetaGradient.TIMED_CALLS, eager.calls);
        assertTrue(eager.closed, "the slower engine is closed once the choice is made");
        int graphCalls = graph.calls;
        for (int i = 0; i < 3; i++) e.compute(new double[3], new double[3], TASKS, g, null);
        assertEquals(graphCalls + 3, graph.calls);
        assertEquals(1 + MeasuredMetaGradient.TIMED_CALLS, eager.calls, "after the choice only the winner runs");
        assertEquals("graph", choices.get("tiny, meta-batch 2"));
    }

    @Test
    void theMinimumOfTheTimedCallsCountsAndATieGoesToTheFirstCandidate() {
        List<Fake> made = new ArrayList<>();
        MeasuredMetaGradient<String> e = engine(made, new HashMap<>(), Map.of(1.0, 50L, 2.0, 50L));
        double[] g = new double[2];
        e.compute(new double[2], new double[2], TASKS, g, null);
        assertEquals("eager", e.choice());
        assertArrayEquals(new double[] {1, 1}, g, 0.0);
    }

    @Test
    void aLaterEngineWithTheSameKeyTakesTheKeptChoiceWithoutMeasuring() {
        Map<String, String> choices = new HashMap<>();
        MeasuredMetaGradient<String> first = engine(new ArrayList<>(), choices, Map.of(1.0, 90L, 2.0, 10L));
        first.compute(new double[2], new double[2], TASKS, new double[2], null);
        // the second engine would find eager faster, but the process keeps one path
        List<Fake> made = new ArrayList<>();
        MeasuredMetaGradient<String> second = engine(made, choices, Map.of(1.0, 1L, 2.0, 500L));
        double[] g = new double[2];
        second.compute(new double[2], new double[2], TASKS, g, null);
        assertEquals("graph", second.choice());
        assertArrayEquals(new double[] {2, 2}, g, 0.0);
        assertEquals(1, made.size(), "only the kept choice is built");
        assertEquals(1, made.get(0).calls);
        assertTrue(second.measuredMs().isEmpty());
        // another meta-batch size is another key: measured again
        MeasuredMetaGradient<String> third = engine(new ArrayList<>(), choices, Map.of(1.0, 1L, 2.0, 500L));
        third.compute(new double[2], new double[2], TASKS.subList(0, 1), new double[2], null);
        assertEquals("eager", third.choice());
    }
}
