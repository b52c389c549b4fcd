package dev.metamorph.cli;

import dev.metamorph.model.base.FeatureProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows base-feature progress (texts computed) on standard error, when standard error is a terminal. */
final class BaseProgressBar implements FeatureProgress {
    private ProgressBar bar;

    /** A bar on a terminal; no output otherwise (logs and CI stay clean). */
    static FeatureProgress forConsole() {
        return System.console() != null ? new BaseProgressBar() : FeatureProgress.NONE;
    }

    @Override
    public void start(String task, long total) {
        finish();
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII).setUnit(" texts", 1)
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
