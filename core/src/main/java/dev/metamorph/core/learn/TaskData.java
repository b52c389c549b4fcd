package dev.metamorph.core.learn;

import java.util.Objects;

/**
 * One task of a meta-batch: the support batch the inner loop adapts on and the query batch the
 * adapted parameters are scored on, with the domain the task came from (meta-batches may mix
 * domains).
 *
 * @param <B> batch type of the learner
 */
public record TaskData<B>(String domain, B support, B query) {
    public TaskData {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(support, "support");
        Objects.requireNonNull(query, "query");
    }
}
