package dev.metamorph.maml;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.data.TaskSampler;
import java.io.Serializable;

/**
 * A task description for samplers that draw the whole task from the generator (the sinusoid
 * family): the generator's state before the draw. Drawing again from this state gives bitwise the
 * same task.
 */
public record GeneratorState(long s0, long s1, long s2, long s3) implements Serializable {
    /** The state of {@code rng} now (it is not advanced). */
    public static GeneratorState of(SeededRandom rng) {
        long[] s = rng.state();
        return new GeneratorState(s[0], s[1], s[2], s[3]);
    }

    /** The task {@code sampler} draws from this state. */
    public <T> T draw(TaskSampler<T> sampler) {
        return sampler.sample(SeededRandom.fromState(new long[] {s0, s1, s2, s3}));
    }
}
