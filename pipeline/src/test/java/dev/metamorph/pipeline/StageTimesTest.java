package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageTimesTest {
    @Test
    void eachStageIsTimedLoggedAndSummedUnderItsNameInOrderEvenWhenItFails() {
        long[] now = {0};
        List<Map<String, Object>> events = new ArrayList<>();
        StageTimes t = new StageTimes(events::add, () -> now[0]);
        assertEquals("store", t.time("data", () -> {
            now[0] += 3_100_000_000L;
            return "store";
        }));
        t.time("curriculum", () -> now[0] += 1_000_000_000L);
        t.time("curriculum", () -> now[0] += 500_000_000L);
        assertThrows(IOException.class, () -> t.time("eval", () -> {
            now[0] += 250_000_000L;
            throw new IOException("disk full");
        }));
        assertEquals("data 3.1 s, curriculum 1.5 s, eval 0.3 s", t.toString());
        assertEquals(List.of("data", "curriculum", "eval"), List.copyOf(t.seconds().keySet()));
        assertEquals(4, events.size());
        assertEquals(Map.of("event", "stage-time", "stage", "data", "seconds", 3.1), events.get(0));
        assertEquals(true, events.get(3).get("failed"));
        t.emitSummary();
        assertEquals(Map.of("event", "stage-times", "data", 3.1, "curriculum", 1.5, "eval", 0.25), events.get(4));
    }
}
