package dev.metamorph.maml;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Makes the {@link MetaBatchExecutor} of a {@code maml.executor} other than {@code local}; modules
 * provide one through {@link ServiceLoader} (the spark module provides {@code spark}), so nothing
 * that trains depends on them.
 */
public interface MetaBatchExecutorProvider {
    /** The {@code maml.executor} value this provider serves. */
    String name();

    /**
     * An executor for {@code tasks}, configured from the composed {@code config} (its own namespace).
     * The caller closes it.
     */
    <D extends Serializable> MetaBatchExecutor open(Config config, DistributedTasks<D> tasks);

    /**
     * A runner of {@link DescribedWork} (evaluation episodes) on this executor, configured from the
     * composed {@code config}. The caller closes it.
     */
    default DescribedWorkRunner openRunner(Config config) {
        throw new UnsupportedOperationException("the executor " + name() + " does not run described work");
    }

    /**
     * The runner the executor name {@code executor} gives, or null for {@code local} (in process).
     * Fails naming {@code key} when no provider on the class path serves the name.
     */
    static DescribedWorkRunner openRunner(String executor, String key, Config config) {
        if (ExecutionConfig.LOCAL.equals(executor)) return null;
        TreeSet<String> known = new TreeSet<>();
        known.add(ExecutionConfig.LOCAL);
        for (MetaBatchExecutorProvider p : ServiceLoader.load(MetaBatchExecutorProvider.class)) {
            if (p.name().equals(executor)) return p.openRunner(config);
            known.add(p.name());
        }
        throw new IllegalArgumentException(key + " = " + executor + ", but no module on the class path provides it (known: "
                + known + "); the metamorph-spark module provides spark and the metamorph command includes it");
    }

    /**
     * The executor {@code maml.executor} names for {@code tasks}, or null for {@code local}
     * (in process). Fails naming the key when no provider on the class path serves the name.
     */
    static <D extends Serializable> MetaBatchExecutor open(ExecutionConfig execution, Config config, DistributedTasks<D> tasks) {
        if (execution.local()) return null;
        TreeSet<String> known = new TreeSet<>();
        known.add(ExecutionConfig.LOCAL);
        for (MetaBatchExecutorProvider p : ServiceLoader.load(MetaBatchExecutorProvider.class)) {
            if (p.name().equals(execution.executor())) return p.open(config, tasks);
            known.add(p.name());
        }
        throw new IllegalArgumentException("maml.executor = " + execution.executor() + ", but no module on the class path provides it (known: "
                + known + "); the metamorph-spark module provides spark and the metamorph command includes it");
    }
}
