package dev.metamorph.datasets.importer;

/** Progress of a long import (the CLI shows a progress bar); calls come from the importing thread. */
public interface ImportProgress {
    /** No progress reporting. */
    ImportProgress NONE = new ImportProgress() {
        @Override
        public void start(String task, long total) {}

        @Override
        public void advance(long steps) {}

        @Override
        public void finish() {}
    };

    void start(String task, long total);

    void advance(long steps);

    void finish();
}
