package dev.metamorph.pipeline;

import dev.metamorph.datasets.importer.ImportProgress;

/**
 * Progress of a long stage (import, base features, curriculum, evaluation) as the job tells it to
 * a display: the {@link ImportProgress} shape (start with a name and a total, advance, finish)
 * shared by every stage, so one console progress bar shows them all.
 */
public final class StageProgress {
    private StageProgress() {}

    /** {@code progress} with {@code prefix} before every task name ({@code "import "} for the importers' bare domain names). */
    public static ImportProgress prefixed(ImportProgress progress, String prefix) {
        if (progress == ImportProgress.NONE) return progress;
        return new ImportProgress() {
            @Override public void start(String task, long total) { progress.start(prefix + task, total); }
            @Override public void advance(long steps) { progress.advance(steps); }
            @Override public void finish() { progress.finish(); }
        };
    }
}
