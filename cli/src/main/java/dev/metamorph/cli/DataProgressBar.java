package dev.metamorph.cli;

import dev.metamorph.datasets.importer.ImportProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows import progress on standard error with a progress bar, when standard error is a terminal. */
final class DataProgressBar implements ImportProgress {
    private ProgressBar bar;

    /** A bar on a terminal; no output otherwise (logs and CI stay clean). */
    static ImportProgress forConsole() {
        return System.console() != null ? new DataProgressBar() : ImportProgress.NONE;
    }

    @Override
    public void start(String task, long total) {
        finish();
        bar = new ProgressBarBuilder().setTaskName("import " + task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(250).build();
    }

    @Override
    public void advance(long steps) {
        if (bar != null) bar.stepBy(steps);
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
