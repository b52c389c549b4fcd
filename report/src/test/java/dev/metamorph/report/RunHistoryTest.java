package dev.metamorph.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sorting metrics events into the report's curves: targets named by their events, the learning-rate trace, the elastic events. */
class RunHistoryTest {
    private static Map<String, Object> e(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static List<Map<String, Object>> curriculum(String target) {
        List<Map<String, Object>> l = new ArrayList<>();
        l.add(e("event", "start", "stage", 0, "step", 0, "global-step", 0, "target-loss", 0.6, "base-loss", 0.4, "target", target));
        l.add(e("event", "stage-start", "stage", 0, "step", 0, "global-step", 0, "rates", List.of(0.001, 0.0), "units", List.of("head."), "target-fraction", 0.5,
                "multiplier", 1.0, "target", target));
        l.add(e("event", "step", "stage", 0, "step", 10, "global-step", 10, "domain", "target", "loss", 0.5, "multiplier", 1.0, "target", target));
        l.add(e("event", "step", "stage", 0, "step", 20, "global-step", 20, "domain", "base", "loss", 0.45, "multiplier", 1.0, "target", target));
        l.add(e("event", "check", "stage", 0, "step", 20, "global-step", 20, "target-loss", 0.55, "decision", "grow", "multiplier", 1.1, "target", target));
        l.add(e("event", "grow", "stage", 0, "step", 20, "global-step", 20, "multiplier", 1.1, "target", target));
        l.add(e("event", "back-off", "stage", 0, "step", 40, "global-step", 40, "multiplier", 0.55, "target", target));
        l.add(e("event", "rollback", "stage", 0, "step", 40, "global-step", 40, "from-step", 40, "to-step", 20, "target", target));
        l.add(e("event", "stage-end", "stage", 0, "step", 40, "global-step", 40, "target-loss", 0.52, "base-loss", 0.41, "target", target));
        l.add(e("event", "end", "stage", 1, "step", 40, "global-step", 40, "base-loss-before", 0.4, "base-loss-after", 0.41, "target", target));
        return l;
    }

    @Test
    void curriculumEventsGoToTheTargetTheyNameWithTheRateTraceAndElasticEvents() {
        List<Map<String, Object>> events = new ArrayList<>(curriculum("fortunes"));
        events.addAll(curriculum("gcide"));
        // the config lists the targets in the other order: the events' own names win
        RunFolder run = new RunFolder(Path.of("x"), "dataset.target-domains = [gcide, fortunes]\n", List.of(), Map.of(), events, List.of(), List.of(), 0);
        RunHistory h = RunHistory.of(run);
        assertEquals(List.of("fortunes", "gcide"), h.curricula().stream().map(RunHistory.Curriculum::target).toList());
        RunHistory.Curriculum c = h.curricula().get(0);
        assertEquals(List.of(new RunHistory.Point(0, 0.6), new RunHistory.Point(20, 0.55), new RunHistory.Point(40, 0.52)), c.targetVal());
        assertEquals(List.of(new RunHistory.Point(0, 0.4), new RunHistory.Point(40, 0.41)), c.sourceVal());
        assertEquals(List.of(new RunHistory.Point(10, 0.5)), c.targetTrain());
        assertEquals(List.of(new RunHistory.Point(20, 0.45)), c.sourceTrain());
        // top rate 0.001 x multiplier; a change at a step replaces the value logged at that step; a rollback carries no multiplier
        List<RunHistory.Point> lr = c.learningRate();
        assertEquals(4, lr.size(), lr.toString());
        assertEquals(0.001, lr.get(1).y(), 1e-15);
        assertEquals(20, lr.get(2).x());
        assertEquals(0.0011, lr.get(2).y(), 1e-15);
        assertEquals(40, lr.get(3).x());
        assertEquals(0.00055, lr.get(3).y(), 1e-15);
        assertEquals(List.of("grow", "back-off", "rollback"), c.events().stream().map(RunHistory.ElasticEvent::kind).toList());
        assertEquals(0.41 - 0.4, c.value("base-loss-after") - c.value("base-loss-before"), 1e-12);
    }

    @Test
    void stageTimesOfAStageThatRanTwiceAddUp() {
        List<Map<String, Object>> events = List.of(e("event", "stage-time", "stage", "curriculum", "seconds", 2.5),
                e("event", "stage-time", "stage", "eval", "seconds", 1.0), e("event", "stage-time", "stage", "curriculum", "seconds", 3.0));
        RunHistory h = RunHistory.of(new RunFolder(Path.of("x"), "", List.of(), Map.of(), events, List.of(), List.of(), 0));
        assertEquals(Map.of("curriculum", 5.5, "eval", 1.0), h.stageSeconds());
        assertEquals(List.of("curriculum", "eval"), List.copyOf(h.stageSeconds().keySet()));
    }
}
