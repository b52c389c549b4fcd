package dev.metamorph.pipeline;

import dev.metamorph.eval.EpisodeScores;
import java.nio.file.Path;
import java.util.List;

/**
 * What a job reports as it goes, for a console, a log or a server to show. Every method has a
 * no-op default; {@link #NONE} ignores everything. Called on the job's thread.
 */
public interface JobListener {
    /** Ignores everything. */
    JobListener NONE = new JobListener() { };

    /** One evaluated setting: a method on a domain at ways x shots. */
    record EvalRow(String method, String domain, int ways, int shots, EpisodeScores scores) {}

    /** The data stage imported these domains (it was missing from the cache). */
    default void imported(List<String> domains) { }

    /** Meta-training ended; theta_0 is saved. */
    default void metaTrained(MetaTrainingStage.Result result) { }

    /** The curriculum does not run, and why. */
    default void curriculumSkipped(String reason) { }

    /** The curriculum adapted theta_0 to a target domain. */
    default void curriculumAdapted(String target, CurriculumStage.Result result) { }

    /** A row of the evaluation table. */
    default void evaluated(EvalRow row) { }

    /** The report is written. */
    default void reportWritten(Path summary) { }

    /** The export stage wrote a target domain's adapter bundle. */
    default void exported(String domain, dev.metamorph.pipeline.export.AdapterExport.Result result) { }

    /** The job ended; the wall time of each stage. */
    default void finished(StageTimes times) { }
}
