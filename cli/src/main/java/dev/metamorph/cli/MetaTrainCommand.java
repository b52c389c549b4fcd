package dev.metamorph.cli;

import com.typesafe.config.Config;
import dev.metamorph.core.SeedSequence;
import dev.metamorph.core.learn.ParamGroup;
import dev.metamorph.core.config.ConfigComposer;
import dev.metamorph.core.run.AtomicFiles;
import dev.metamorph.core.run.RunContext;
import dev.metamorph.maml.CheckpointStore;
import java.time.Clock;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.ThetaDigest;
import dev.metamorph.pipeline.sinusoid.SinusoidMetaTraining;
import dev.metamorph.model.mlp.MlpLearner;
import dev.metamorph.pipeline.DataStage;
import dev.metamorph.pipeline.MetaTrainingStage;
import dev.metamorph.pipeline.StageTimes;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph meta-train}: meta-trains on the composed config ({@code maml.*}) in a new run
 * folder. {@code maml.task = definitions} (default) imports the data if missing and meta-trains
 * the gated-attention model on definitions episodes of the source domains through
 * {@link MetaTrainingStage} (the same stage {@code metamorph run} uses), saving theta_0 as
 * {@code model/theta0.zip}. {@code maml.task = sinusoid} meta-trains the sinusoid MLP
 * ({@code maml=sinusoid}: metrics.jsonl, checkpoints/, theta0.f64 + theta0.json) and can continue a run with
 * {@code --resume <run folder>}. Either task computes its meta-batches where {@code maml.executor}
 * says (in process, or on Spark with the {@code spark} group), and the command ends with
 * {@code theta sha256: <64 hex>} ({@link ThetaDigest}) so that runs can be compared.
 */
@Command(name = "meta-train", mixinStandardHelpOptions = true, description = "Meta-trains on the source tasks (maml.task) and saves theta_0 in the run folder.")
public final class MetaTrainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue the run in this folder from its newest checkpoint (uses its config.resolved.conf).")
    Path resume;

    @Option(names = "--no-progress", description = "Hide the progress bar.")
    boolean noProgress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (resume != null) {
            Path conf = resume.resolve("config.resolved.conf");
            if (!Files.isRegularFile(conf)) throw new ExitCodes.UserError("--resume: " + conf + " does not exist; give the folder of a run started with meta-train");
            if (!config.overrides().isEmpty()) throw new ExitCodes.UserError("--resume continues a run with its own config; drop the overrides " + config.overrides());
            RunContext run;
            try {
                run = RunContext.resume(resume, ConfigComposer.projectRoot(), Clock.systemDefaultZone());
            } catch (IllegalArgumentException | IllegalStateException | com.typesafe.config.ConfigException e) {
                throw new ExitCodes.UserError("--resume: " + e.getMessage(), e);
            }
            try (run) {
                if (new CheckpointStore(resume.resolve("checkpoints")).newestFirst().isEmpty()) {
                    throw new ExitCodes.UserError("--resume: " + resume + " holds no checkpoint (checkpoints/step-*.ckpt), so there is nothing to resume; start a new run");
                }
                try {
                    return train(run.config(), run.seeds(), resume, true, out);
                } catch (IllegalStateException e) {
                    if (e instanceof dev.metamorph.core.learn.NonFiniteException) throw e;
                    throw new ExitCodes.UserError("--resume: " + e.getMessage(), e);
                }
            }
        }
        return config.launch(run -> {
            if ("definitions".equals(run.config().getString("maml.task"))) return definitions(run, out);
            return train(run.config(), run.seeds(), run.dir(), false, out);
        });
    }

    private int definitions(dev.metamorph.core.run.RunContext run, PrintWriter out) throws java.io.IOException {
        dev.metamorph.datasets.DatasetConfig data = dev.metamorph.datasets.DatasetConfig.from(run.config());
        ConsoleJobListener console = new ConsoleJobListener(out);
        StageTimes times = new StageTimes(run.metrics()::append);
        dev.metamorph.datasets.DomainStore store = times.time("data", () -> DataStage.open(run, data, DataProgressBar.forConsole(), console));
        dev.metamorph.pipeline.BaseRows baseRows = dev.metamorph.pipeline.BaseFeaturesStage.needed(run.config())
                ? times.time("base-features", () -> dev.metamorph.pipeline.BaseFeaturesStage.prepare(run, store, data,
                        dev.metamorph.pipeline.BaseFeaturesStage.progress(DataProgressBar.forConsole())))
                : null;
        MetaTrainingStage.Result r = times.time("meta-train", () -> MetaTrainingStage.run(run, store, data, !noProgress, baseRows));
        console.metaTrained(r);
        times.emitSummary();
        console.finished(times);
        out.println("theta sha256: " + ThetaDigest.sha256(r.theta0().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector()));
        out.flush();
        return ExitCodes.OK;
    }

    private int train(Config composed, SeedSequence seeds, Path dir, boolean resuming, PrintWriter out) {
        MamlConfig c;
        try {
            c = MamlConfig.from(composed);
        } catch (RuntimeException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        if (!"sinusoid".equals(c.task())) {
            throw new ExitCodes.UserError("--resume continues sinusoid runs only (maml.task = sinusoid); this run has maml.task = " + c.task());
        }
        double[] theta;
        try {
            theta = SinusoidMetaTraining.train(c, seeds, dir, resuming, c.iterations(), !noProgress, composed);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        MlpLearner mlp = new MlpLearner(c.sinusoid().sizes());
        ByteBuffer buf = ByteBuffer.allocate(8 * theta.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : theta) buf.putDouble(x);
        AtomicFiles.writeBytes(dir.resolve("theta0.f64"), buf.array());
        StringBuilder layout = new StringBuilder("{\"format\":\"float64 little-endian, flat\",\"algorithm\":\"" + c.algorithm().key() + "\",\"groups\":[");
        for (ParamGroup g : mlp.layout().groups()) {
            if (layout.charAt(layout.length() - 1) != '[') layout.append(',');
            layout.append("{\"name\":\"").append(g.name()).append("\",\"offset\":").append(g.offset()).append(",\"shape\":").append(g.shape()).append('}');
        }
        AtomicFiles.writeString(dir.resolve("theta0.json"), layout.append("]}\n").toString());
        out.println("meta-trained " + c.algorithm().key() + " for " + c.iterations() + " iterations; theta_0 saved in " + dir.resolve("theta0.f64"));
        out.println("theta sha256: " + ThetaDigest.sha256(theta));
        out.flush();
        return ExitCodes.OK;
    }
}
