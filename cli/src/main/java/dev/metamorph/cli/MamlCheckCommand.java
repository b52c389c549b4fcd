package dev.metamorph.cli;

import dev.metamorph.core.SeededRandom;
import dev.metamorph.core.learn.RegressionBatch;
import dev.metamorph.core.learn.TaskData;
import dev.metamorph.datasets.sinusoid.SinusoidTaskSampler;
import dev.metamorph.maml.Backend;
import dev.metamorph.maml.MamlConfig;
import dev.metamorph.maml.MetaAlgorithm;
import dev.metamorph.maml.MetaGradient;
import dev.metamorph.maml.MetaGradientCheck;
import dev.metamorph.maml.MetaGradients;
import dev.metamorph.maml.MetaLearner;
import dev.metamorph.maml.SecondOrderMode;
import dev.metamorph.model.mlp.MlpLearner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph maml check}: the exact meta-gradient against brute-force central finite
 * differences (double) of the whole meta-objective {@code L_query(theta - alpha grad L_support(theta))}
 * (K steps), on the sinusoid MLP, for each engine (Java kernel, SameDiff unrolled, SameDiff
 * reverse-HVP), with FOMAML for contrast. The last line is {@code relative-error: <x>}, the
 * largest MAML error.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Compare the exact MAML meta-gradient with finite differences of the whole meta-objective.")
public final class MamlCheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Option(names = "--steps", split = ",", description = "Inner steps to check (default: ${DEFAULT-VALUE}).", defaultValue = "1,3")
    List<Integer> steps;

    @Option(names = "--inner-lr", description = "Inner step size alpha (default: maml.inner-lr).")
    Double innerLr;

    @Option(names = "--tasks", description = "Tasks in the meta-batch (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int tasks;

    @Option(names = "--seed", description = "Seed of the tasks and theta (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Option(names = "--eps", description = "Finite-difference step (default: ${DEFAULT-VALUE}).", defaultValue = "1e-6")
    double eps;

    @Override
    public Integer call() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MamlConfig base;
        try {
            base = MamlConfig.from(BenchSinusoidCommand.sinusoidConfig(config)).withAlgorithm(MetaAlgorithm.MAML).withThreads(1);
        } catch (ExitCodes.UserError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ExitCodes.UserError(e.getMessage(), e);
        }
        double lr = innerLr != null ? innerLr : base.innerLr();
        MlpLearner mlp = new MlpLearner(base.sinusoid().sizes());
        SeededRandom r = new SeededRandom(seed);
        SinusoidTaskSampler sampler = new SinusoidTaskSampler(base.sinusoid().support(), base.sinusoid().query());
        List<TaskData<RegressionBatch>> batch = new ArrayList<>();
        for (int i = 0; i < tasks; i++) batch.add(sampler.sample(r));
        double[] theta = mlp.initialParameterArray(r);
        double[] alpha = new double[theta.length];
        java.util.Arrays.fill(alpha, lr);
        MetaGradientCheck<RegressionBatch> check = new MetaGradientCheck<>(mlp.newKernel(), eps);
        System.out.printf("MAML meta-gradient check: MLP %s (%d parameters), %d sinusoid tasks, alpha %.3g, central differences eps %.1e over every parameter, double%n",
                mlp.sizes(), theta.length, tasks, lr, eps);
        double worst = 0;
        for (int k : steps) {
            if (k < 1) throw new ExitCodes.UserError("--steps: inner steps must be >= 1, got " + k);
            double[] fd = check.finiteDifferenceTheta(theta, alpha, batch, k);
            record Engine(String name, MamlConfig config) {}
            MamlConfig c = base.withInnerSteps(k);
            List<Engine> engines = List.of(
                    new Engine("maml kernel (reverse-hvp)", c.withBackend(Backend.KERNEL)),
                    new Engine("maml samediff unrolled", c.withBackend(Backend.SAMEDIFF).withSecondOrderMode(SecondOrderMode.UNROLLED)),
                    new Engine("maml samediff reverse-hvp", c.withBackend(Backend.SAMEDIFF).withSecondOrderMode(SecondOrderMode.REVERSE_HVP)),
                    new Engine("fomaml kernel (contrast)", c.withBackend(Backend.KERNEL).withAlgorithm(MetaAlgorithm.FOMAML)));
            for (Engine e : engines) {
                double[] g = new double[theta.length];
                try (MetaGradient<RegressionBatch> engine = MetaGradients.create(mlp, e.config(), null)) {
                    engine.compute(theta, alpha, batch, g, null);
                }
                double err = MetaGradientCheck.relativeError(g, fd);
                System.out.printf("  %d step%s  %-28s relative error %.3e%n", k, k == 1 ? " " : "s", e.name(), err);
                if (e.config().algorithm() == MetaAlgorithm.MAML) worst = Math.max(worst, err);
            }
        }
        System.out.printf("relative-error: %.3e%n", worst);
        return worst <= 1e-6 ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
