package dev.metamorph.pipeline;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.ClassSplit;
import dev.metamorph.datasets.DatasetConfig;
import dev.metamorph.datasets.DomainClasses;
import dev.metamorph.datasets.DomainStore;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Episodes over a base that also carry a view of their domain's persistent memory store
 * ({@code memory.store}, see {@link DomainMemories}): the support and query batches get the stored
 * embeddings nearest to the episode's rows, never the episode's own texts. The stores hold unlabeled
 * texts that the stages write with {@link #writeCorpus}; encoding an episode (for training or not)
 * writes nothing. Thread-safe.
 */
public final class MemoryEpisodeEncoder implements EpisodeEncoder {
    private final BaseEpisodeEncoder base;
    private final DomainMemories memories;

    public MemoryEpisodeEncoder(BaseEpisodeEncoder base, DomainMemories memories) {
        this.base = base;
        this.memories = memories;
    }

    /**
     * The encoder with the per-domain memory stores of training ({@code memory.store}): every
     * domain's texts of its meta-train and meta-val classes, unlabeled, written in a fixed order
     * (domains as configured, meta-train before meta-val, classes and records in the store's order),
     * so a worker that builds them again holds the same slots.
     */
    static MemoryEpisodeEncoder trainingStores(BaseEpisodeEncoder encoder, DomainStore store, DatasetConfig data, ModelConfig modelCfg) {
        MemoryEpisodeEncoder mem = new MemoryEpisodeEncoder(encoder, new DomainMemories(modelCfg.memory(), modelCfg.embeddingWidth()));
        for (String d : data.domains()) {
            DomainClasses classes = store.classes(d, data);
            for (ClassSplit split : List.of(ClassSplit.META_TRAIN, ClassSplit.META_VAL)) {
                for (List<Record> rs : classes.classesOf(split).values()) mem.writeCorpus(rs);
            }
        }
        return mem;
    }

    /** Adds the rest of a target domain's texts (every split, unlabeled) to its store: what evaluation and the export read. */
    void addDomainTexts(DomainClasses classes) {
        for (ClassSplit split : ClassSplit.values()) for (List<Record> rs : classes.classesOf(split).values()) writeCorpus(rs);
    }

    public DomainMemories memories() {
        return memories;
    }

    /** Writes the records' embeddings (as fed to the model) into their domains' stores, without labels. */
    public void writeCorpus(Collection<Record> records) {
        memories.writeCorpus(records, base::fedPooled);
    }

    @Override
    public TaskData<TokenBatch> task(Episode<Record> e) {
        TaskData<TokenBatch> t = base.task(e);
        List<Record> own = new ArrayList<>();
        for (Episode.Labeled<Record> r : e.support()) own.add(r.example());
        for (Episode.Labeled<Record> r : e.query()) own.add(r.example());
        List<float[]> rows = own.stream().map(base::fedPooled).toList();
        // the records' domain: an episode's own name also carries its split ("wordnet/meta-train")
        float[][] view = memories.view(domainOf(e), rows, own);
        return new TaskData<>(t.domain(), t.support().withStore(view), t.query().withStore(view));
    }

    /** The domain of an episode's records (every episode stays within one domain). */
    static String domainOf(Episode<Record> e) {
        String d = e.support().isEmpty() ? e.query().get(0).example().domain() : e.support().get(0).example().domain();
        for (Episode.Labeled<Record> r : e.support()) if (!r.example().domain().equals(d)) throw new IllegalArgumentException("Episode " + e.domain() + " mixes the domains " + d + " and " + r.example().domain());
        return d;
    }
}
