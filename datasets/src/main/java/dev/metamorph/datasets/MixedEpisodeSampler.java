package dev.metamorph.datasets;

import dev.metamorph.core.Checks;
import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.data.TaskSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Mixed-domain episodes: each episode first picks a domain with probability proportional to its
 * weight, then asks that domain's {@link EpisodeSampler}. Every episode stays within one domain. A
 * single sampler with weight 1 gives per-domain meta-batches.
 */
public final class MixedEpisodeSampler implements TaskSampler<Episode<Record>> {
    private final List<EpisodeSampler> samplers;
    private final double[] cumulative;

    /** A sampler and its weight. */
    public record Weighted(EpisodeSampler sampler, double weight) {
        public Weighted {
            Checks.notNull("sampler", sampler);
            Checks.nonNegative("weight of " + sampler.domain(), weight);
        }
    }

    public MixedEpisodeSampler(List<Weighted> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("A mixed sampler needs at least one domain");
        samplers = new ArrayList<>();
        cumulative = new double[parts.size()];
        double total = 0;
        for (int i = 0; i < parts.size(); i++) {
            samplers.add(parts.get(i).sampler());
            total += parts.get(i).weight();
            cumulative[i] = total;
        }
        if (!(total > 0)) throw new IllegalArgumentException("Domain weights add up to 0; give at least one domain a weight > 0 (dataset.domain-weights)");
        for (int i = 0; i < cumulative.length; i++) cumulative[i] /= total;
    }

    /** One domain only (per-domain meta-batches). */
    public static MixedEpisodeSampler single(EpisodeSampler sampler) {
        return new MixedEpisodeSampler(List.of(new Weighted(sampler, 1.0)));
    }

    @Override
    public Episode<Record> sample(RandomGenerator rng) {
        double u = rng.nextDouble();
        int i = 0;
        while (i < cumulative.length - 1 && u >= cumulative[i]) i++;
        return samplers.get(i).sample(rng);
    }

    /** A meta-batch of {@code size} episodes drawn one after another from {@code rng}. */
    public List<Episode<Record>> metaBatch(RandomGenerator rng, int size) {
        Checks.positive("meta-batch size", size);
        List<Episode<Record>> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) out.add(sample(rng));
        return List.copyOf(out);
    }
}
