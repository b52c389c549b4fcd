package dev.metamorph.pipeline;

import dev.metamorph.core.data.Episode;
import dev.metamorph.core.data.Record;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.model.TokenBatch;

/**
 * Turns an episode of records into the model's support and query batches. With the prototype
 * head the support batch holds each support row once, as both a prototype and a loss row (the
 * model leaves a row out of its own class's prototype), and the query batch leads with the support
 * rows as prototype rows, then the scored query rows. Two kinds: {@link DefinitionsEncoder} (token
 * ids for a model with its own embedding table) and {@link BaseEpisodeEncoder} (a frozen base's
 * token states and pooled embeddings, plus the lexical channel).
 */
public interface EpisodeEncoder {
    /** Support and query batches of an episode. */
    TaskData<TokenBatch> task(Episode<Record> e);

    /** Support and query rows in one batch, each example once (Reptile and joint training adapt on both). */
    static TokenBatch join(TokenBatch a, TokenBatch b) {
        return TokenBatch.joinLossRows(a, b);
    }

    /** Non-padding tokens of a batch. */
    static long tokens(TokenBatch b) {
        long n = 0;
        for (int r = 0; r < b.size(); r++) n += b.tokens(r);
        return n;
    }
}
