package dev.metamorph.pipeline;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.model.TokenBatch;

/**
 * Episodes over a base that also carry a view of their domain's persistent memory store
 * ({@code memory.store}, see {@link DomainMemories}): every episode's support and query batches get
 * the domain's stored embeddings minus those of the episode's own classes. Only
 * {@link #trainingTask} writes (the episode's support and query records, all labelled, all of
 * meta-train classes): meta-training and the curriculum call it; validation, report and evaluation
 * episodes are encoded with {@link #task}, which only reads. Thread-safe.
 */
public final class MemoryEpisodeEncoder implements EpisodeEncoder {
    private final BaseEpisodeEncoder base;
    private final DomainMemories memories;

    public MemoryEpisodeEncoder(BaseEpisodeEncoder base, DomainMemories memories) {
        this.base = base;
        this.memories = memories;
    }

    public DomainMemories memories() {
        return memories;
    }

    @Override
    public TaskData<TokenBatch> task(Episode<Record> e) {
        TaskData<TokenBatch> t = base.task(e);
        // the records' domain: an episode's own name also carries its split ("wordnet/meta-train")
        float[][] view = memories.view(domainOf(e), e.classes());
        return new TaskData<>(t.domain(), t.support().withStore(view), t.query().withStore(view));
    }

    /** The domain of an episode's records (every episode stays within one domain). */
    static String domainOf(Episode<Record> e) {
        String d = e.support().isEmpty() ? e.query().get(0).example().domain() : e.support().get(0).example().domain();
        for (Episode.Labeled<Record> r : e.support()) if (!r.example().domain().equals(d)) throw new IllegalArgumentException("Episode " + e.domain() + " mixes the domains " + d + " and " + r.example().domain());
        return d;
    }

    @Override
    public TaskData<TokenBatch> trainingTask(Episode<Record> e) {
        TaskData<TokenBatch> t = task(e);
        for (Episode.Labeled<Record> r : e.support()) memories.write(r.example(), base.fedPooled(r.example()));
        for (Episode.Labeled<Record> r : e.query()) memories.write(r.example(), base.fedPooled(r.example()));
        return t;
    }
}
