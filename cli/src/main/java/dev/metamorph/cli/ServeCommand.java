package dev.metamorph.cli;

import com.typesafe.config.Config;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.base.BaseConfig;
import dev.metamorph.model.base.BaseEncoder;
import dev.metamorph.pipeline.AdapterClassifier;
import dev.metamorph.pipeline.export.BaseIdentity;
import dev.metamorph.serving.InferenceServer;
import dev.metamorph.serving.ServingConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metamorph serve [--port P] [--adapters DIR] [overrides]}: the inference server over the
 * composed config's base ({@code model.base}) and the bundles of the adapters folder, until
 * interrupted (Ctrl-C or SIGTERM drain requests in flight first).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves adapter bundles over one shared base: KServe v2 REST endpoints, Triton repository control, /metrics.",
            "The base is model.base of the composed config; bundles are <name>.adapter.zip in serving.adapters-dir."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ServingOptions serving;

    @Option(names = "--port", paramLabel = "P", description = "Port (default serving.port; 0 picks a free one).")
    Integer port;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServingOptions.Composed composed = serving.compose();
        Config c = composed.config();
        Path root = composed.root();
        ServingConfig sc = composed.serving();
        if (port != null && (port < 0 || port > 65535)) throw new ExitCodes.UserError("--port must be 0..65535 (0 picks a free port), got " + port);
        if (port != null) sc = sc.withPort(port);
        if (!Files.isDirectory(sc.adaptersDir())) throw new ExitCodes.UserError("No adapters folder " + sc.adaptersDir() + "; create it and put bundles (<name>.adapter.zip) there, or give --adapters DIR");
        InferenceServer server = InferenceServer.start(sc, baseOpener(c, root, sc.baseThreads()));
        PrintWriter out = spec.commandLine().getOut();
        out.println("serving on http://" + sc.host() + ":" + server.port() + " (adapters " + sc.adaptersDir() + "); Ctrl-C drains and stops");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "metamorph-serve-drain"));
        stopped.await();
        return ExitCodes.OK;
    }

    /** Opens the base that {@code model.base} names (with {@code threads} ONNX Runtime threads per call), or none. */
    static InferenceServer.BaseOpener baseOpener(Config c, Path root, int threads) {
        ModelConfig model = ModelConfig.from(c);
        return () -> {
            if (!model.hasBase()) return new InferenceServer.Base(BaseIdentity.NONE, null, 0, null);
            BaseConfig bc = BaseConfig.from(c).resolve(root).withThreads(threads);
            BaseEncoder base = BaseEncoder.open(bc);
            long bytes = base.modelBytes();
            return new InferenceServer.Base(new BaseIdentity(model.base().key(), base.name(), base.sha256()),
                    AdapterClassifier.Featurizer.base(base, model.maxLength()), bytes, base);
        };
    }
}
