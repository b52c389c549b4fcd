package dev.metamorph.datasets.sinusoid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import org.junit.jupiter.api.Test;

class SinusoidTaskSamplerTest {
    @Test
    void sameSeedGivesSameTasksAndRangesHold() {
        SinusoidTaskSampler s = new SinusoidTaskSampler(10, 10);
        SeededRandom r1 = new SeededRandom(7), r2 = new SeededRandom(7);
        for (int i = 0; i < 500; i++) {
            TaskData<RegressionBatch> a = s.sample(r1), b = s.sample(r2);
            assertEquals(a, b);
            for (int j = 0; j < 10; j++) {
                double x = a.support().x(j, 0);
                assertTrue(x >= -5 && x < 5, "x out of range: " + x);
                assertTrue(Math.abs(a.support().y(j, 0)) <= 5.0);
            }
        }
        assertNotEquals(s.sample(new SeededRandom(1)), s.sample(new SeededRandom(2)));
    }

    @Test
    void parametersCoverTheirRanges() {
        SeededRandom r = new SeededRandom(3);
        double minA = 9, maxA = -9, minP = 9, maxP = -9;
        for (int i = 0; i < 5000; i++) {
            SinusoidTask t = SinusoidTaskSampler.sampleTask(r);
            minA = Math.min(minA, t.amplitude());
            maxA = Math.max(maxA, t.amplitude());
            minP = Math.min(minP, t.phase());
            maxP = Math.max(maxP, t.phase());
        }
        assertTrue(minA >= 0.1 && minA < 0.2 && maxA <= 5.0 && maxA > 4.9, minA + " " + maxA);
        assertTrue(minP >= 0 && minP < 0.05 && maxP <= Math.PI && maxP > 3.1, minP + " " + maxP);
    }

    @Test
    void gridIsEvenlySpacedAndFollowsTheFormula() {
        SinusoidTask t = new SinusoidTask(2.0, 0.5);
        RegressionBatch g = t.grid(100);
        assertEquals(-5.0, g.x(0, 0), 0);
        assertEquals(5.0, g.x(99, 0), 1e-12);
        assertEquals(10.0 / 99, g.x(1, 0) - g.x(0, 0), 1e-12);
        assertEquals(2.0 * Math.sin(g.x(37, 0) - 0.5), g.y(37, 0), 0);
        assertThrows(IllegalArgumentException.class, () -> new SinusoidTaskSampler(0, 5));
    }
}
