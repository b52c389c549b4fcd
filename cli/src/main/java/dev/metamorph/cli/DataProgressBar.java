package dev.metamorph.cli;

import dev.metamorph.datasets.importer.ImportProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows the progress of a long stage (import, base features, curriculum, evaluation) on standard
 * error as a progress bar with its rate and ETA, when there is a terminal; the task name is shown as
 * the stage gives it.
 */
final class DataProgressBar implements ImportProgress {
    private ProgressBar bar;

    /** A bar on a terminal; no output otherwise (logs and CI stay clean). */
    static ImportProgress forConsole() {
        return System.console() != null ? new DataProgressBar() : ImportProgress.NONE;
    }

    @Override
    public void start(String task, long total) {
        finish();
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII).showSpeed(new java.text.DecimalFormat("0.0"))
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
