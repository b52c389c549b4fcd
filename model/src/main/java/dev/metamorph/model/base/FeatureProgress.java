package dev.metamorph.model.base;

/** Progress of a long feature computation, for a progress bar; the CLI shows one on a terminal. */
public interface FeatureProgress {
    /** No output. */
    FeatureProgress NONE = new FeatureProgress() {
        @Override public void start(String task, long total) { }
        @Override public void advance(long steps) { }
        @Override public void finish() { }
    };

    /** A task of {@code total} steps (texts) begins. */
    void start(String task, long total);

    void advance(long steps);

    void finish();
}
