package dev.metamorph.pipeline;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns episodes of records into the model's token batches: each record goes through its domain's
 * prompt template, then the tokenizer, padded to the model's maximum length so that every task of
 * a meta-batch has one shape. Encodings are cached by record id. Not thread-safe.
 */
public final class DefinitionsEncoder implements EpisodeEncoder {
    private final BpeTokenizer tokenizer;
    private final boolean prototypeHead;
    private final Function<Record, String> texts;
    private final Map<String, int[]> cache = new HashMap<>();

    /** @param texts the prompt text of a record ({@code PromptTexts::of}) */
    public DefinitionsEncoder(BpeTokenizer tokenizer, Function<Record, String> texts, boolean prototypeHead) {
        this.tokenizer = tokenizer;
        this.texts = texts;
        this.prototypeHead = prototypeHead;
    }

    /** The BPE tokenizer the encoder uses. */
    public BpeTokenizer tokenizer() {
        return tokenizer;
    }

    /** The padded token ids of a record's prompt (cached by record id). */
    public int[] ids(Record r) {
        return cache.computeIfAbsent(r.id(), k -> Arrays.copyOf(tokenizer.encode(texts.apply(r)), tokenizer.maxLength()));
    }

    /**
     * Support and query batches of an episode. Prototype head: every support row is a prototype and
     * a loss row of the support batch (scored against leave-one-out class means), and the support
     * rows build the class means of the query batch.
     */
    @Override
    public TaskData<TokenBatch> task(Episode<Record> e) {
        int[][] s = ids(e.support());
        int[] sl = labels(e.support());
        int[][] q = ids(e.query());
        int[] ql = labels(e.query());
        if (prototypeHead) return new TaskData<>(e.domain(), TokenBatch.of(s, sl), TokenBatch.episode(s, sl, q, ql));
        return new TaskData<>(e.domain(), TokenBatch.of(s, sl), TokenBatch.of(q, ql));
    }

    private int[][] ids(List<Episode.Labeled<Record>> xs) {
        int[][] out = new int[xs.size()][];
        for (int i = 0; i < out.length; i++) out[i] = ids(xs.get(i).example());
        return out;
    }

    private static int[] labels(List<Episode.Labeled<Record>> xs) {
        return xs.stream().mapToInt(Episode.Labeled::label).toArray();
    }
}
