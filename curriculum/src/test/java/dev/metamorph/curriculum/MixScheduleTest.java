package dev.metamorph.curriculum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.metamorph.core.SeededRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MixScheduleTest {

    @Test
    void targetBatchesPerStageMatchTheConfiguredFractions() {
        AtomicInteger base = new AtomicInteger();
        AtomicInteger target = new AtomicInteger();
        CurriculumConfig config = SineDomains.quick(4, 20).withMix(new CurriculumConfig.Mix(List.of(0.0, 0.3, 0.75, 1.0), 0, 0));
        List<int[]> counts = new ArrayList<>();
        CurriculumResult r = new CurriculumEngine<>(SineDomains.learner(), config)
                .onStageEnd((s, t) -> counts.add(new int[] {target.getAndSet(0), base.getAndSet(0)}))
                .adapt(SineDomains.data(SineDomains.counting(SineDomains.base(), base), SineDomains.counting(SineDomains.target(), target)),
                        SineDomains.pretrained(), new SeededRandom(2), e -> { });
        int[][] expected = {{0, 20}, {6, 14}, {15, 5}, {20, 0}};
        for (int k = 0; k < 4; k++) {
            assertEquals(expected[k][0], counts.get(k)[0], "target batches drawn in stage " + k);
            assertEquals(expected[k][1], counts.get(k)[1], "base batches drawn in stage " + k);
            assertEquals(expected[k][0], r.stages().get(k).targetBatches());
            assertEquals(expected[k][1], r.stages().get(k).baseBatches());
        }
    }

    @Test
    void linearScheduleEndsTargetOnly() {
        CurriculumConfig config = SineDomains.quick(3, 10).withMix(new CurriculumConfig.Mix(List.of(), 0.25, 1.0));
        assertEquals(0.25, config.targetFraction(0));
        assertEquals(0.625, config.targetFraction(1));
        assertEquals(1.0, config.targetFraction(2));
        assertEquals(1.0, SineDomains.quick(1, 10).withMix(new CurriculumConfig.Mix(List.of(), 0.25, 1.0)).targetFraction(0));
    }

    @Test
    void targetStepsAreExactInNumberAndSpreadEvenly() {
        for (int steps = 1; steps <= 40; steps++) {
            for (int n = 0; n <= steps; n++) {
                int count = 0;
                int longestGap = 0;
                int gap = 0;
                for (int t = 0; t < steps; t++) {
                    if (CurriculumEngine.isTargetStep(t, steps, n)) {
                        count++;
                        gap = 0;
                    } else {
                        longestGap = Math.max(longestGap, ++gap);
                    }
                }
                assertEquals(n, count, steps + " steps, " + n + " target");
                if (n > 0) assertEquals(true, longestGap <= (steps + n - 1) / n, "even spread for " + steps + "/" + n + ": gap " + longestGap);
            }
        }
    }
}
