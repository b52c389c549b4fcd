package dev.metamorph.serving;

import dev.metamorph.core.data.Record;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.export.ServedAdapter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic batching ({@code serving.batching}): infer requests for the same loaded adapter that arrive
 * within {@code max-wait-ms} of the first are joined, up to {@code max-rows} records, into one
 * classifier call (one featurizer and adapter pass for all of them), and each request gets its own
 * records' predictions back. A request is never split; one with more than {@code max-rows} records
 * runs alone. Batches go to the server's worker pool, so its bound (workers and queue) still holds:
 * a batch the pool refuses fails every request in it with {@link RejectedExecutionException} (429).
 * A record's prediction does not depend on the other records of its call (tested), so answers are
 * those of unbatched requests. Batches are kept per {@link ServedAdapter} instance, so a reload never
 * mixes the old and new adapter in one call. Thread-safe.
 */
final class RequestBatcher implements AutoCloseable {
    private record Pending(List<Record> records, CompletableFuture<List<AdapterClassifier.Prediction>> result) {}

    private static final class Queue {
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        int rows;
        boolean timerSet;
    }

    private final int maxRows;
    private final long maxWaitMicros;
    private final Executor workers;
    private final ScheduledExecutorService timer;
    private final Map<ServedAdapter, Queue> queues = new IdentityHashMap<>();
    private final ServingMetrics metrics;

    /**
     * @param maxRows    records per batch at most ({@code serving.batching.max-rows})
     * @param maxWaitMs  how long the first request of a batch waits for others ({@code serving.batching.max-wait-ms})
     * @param workers    runs the batches (the server's bounded worker pool)
     * @param metrics    told each call's number of records
     */
    RequestBatcher(int maxRows, double maxWaitMs, Executor workers, ServingMetrics metrics) {
        this.maxRows = maxRows;
        this.maxWaitMicros = Math.round(maxWaitMs * 1000);
        this.workers = workers;
        this.metrics = metrics;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metamorph-batcher");
            t.setDaemon(true);
            return t;
        });
    }

    /** The predictions of {@code records} by {@code adapter}, computed in a batch with other requests' records. */
    CompletableFuture<List<AdapterClassifier.Prediction>> submit(ServedAdapter adapter, List<Record> records) {
        Pending p = new Pending(List.copyOf(records), new CompletableFuture<>());
        List<Pending> ready = null;
        synchronized (queues) {
            Queue q = queues.computeIfAbsent(adapter, k -> new Queue());
            q.pending.add(p);
            q.rows += records.size();
            if (q.rows >= maxRows || maxWaitMicros == 0) {
                ready = take(adapter, q);
            } else if (!q.timerSet) {
                q.timerSet = true;
                timer.schedule(() -> flush(adapter), maxWaitMicros, TimeUnit.MICROSECONDS);
            }
        }
        if (ready != null) run(adapter, ready);
        return p.result();
    }

    private void flush(ServedAdapter adapter) {
        List<Pending> ready;
        synchronized (queues) {
            Queue q = queues.get(adapter);
            if (q == null) return;
            q.timerSet = false;
            ready = take(adapter, q);
        }
        if (!ready.isEmpty()) run(adapter, ready);
    }

    /** Whole requests from the head of the queue up to maxRows records (at least one request); the rest wait for the next timer. */
    private List<Pending> take(ServedAdapter adapter, Queue q) {
        List<Pending> out = new ArrayList<>();
        int rows = 0;
        while (!q.pending.isEmpty() && (out.isEmpty() || rows + q.pending.peek().records().size() <= maxRows)) {
            Pending p = q.pending.poll();
            rows += p.records().size();
            out.add(p);
        }
        q.rows -= rows;
        if (q.pending.isEmpty()) {
            if (!q.timerSet) queues.remove(adapter);
        } else if (!q.timerSet) {
            q.timerSet = true;
            timer.schedule(() -> flush(adapter), q.rows >= maxRows ? 0 : maxWaitMicros, TimeUnit.MICROSECONDS);
        }
        return out;
    }

    private void run(ServedAdapter adapter, List<Pending> batch) {
        try {
            workers.execute(() -> classify(adapter, batch));
        } catch (RejectedExecutionException e) {
            for (Pending p : batch) p.result().completeExceptionally(e);
        }
    }

    private void classify(ServedAdapter adapter, List<Pending> batch) {
        List<Record> all = new ArrayList<>();
        for (Pending p : batch) all.addAll(p.records());
        try {
            List<AdapterClassifier.Prediction> out = adapter.classifier().classify(all);
            metrics.batch(all.size());
            int at = 0;
            for (Pending p : batch) {
                p.result().complete(out.subList(at, at + p.records().size()));
                at += p.records().size();
            }
        } catch (RuntimeException | Error e) {
            if (batch.size() == 1) {
                batch.get(0).result().completeExceptionally(e);
                return;
            }
            // one request's bad input (a template failing on its fields) must not fail the others: answer each alone
            for (Pending p : batch) {
                try {
                    p.result().complete(adapter.classifier().classify(p.records()));
                } catch (RuntimeException | Error x) {
                    p.result().completeExceptionally(x);
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
