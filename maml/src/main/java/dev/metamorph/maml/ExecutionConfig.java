package dev.metamorph.maml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.metamorph.core.Checks;

/**
 * Where meta-training computes ({@code maml.executor}, {@code maml.learner-path}), read apart from
 * {@link MamlConfig} because it says where, not what: the same run gives the same theta either way.
 *
 * @param executor {@code local} (in process) or the name of a {@link MetaBatchExecutorProvider} ({@code spark})
 * @param learnerPath the learner path of first-order engines; {@code auto} is taken as {@code eager}
 *     when the executor is not local (see {@link #effectivePath()})
 */
public record ExecutionConfig(String executor, LearnerPath learnerPath) {
    public static final String LOCAL = "local";

    public ExecutionConfig {
        Checks.notNull("maml.executor", executor);
        Checks.check(executor.matches("[a-z][a-z0-9-]*"), "maml.executor must be local or an executor name such as spark, got '%s'", executor);
        Checks.notNull("maml.learner-path", learnerPath);
    }

    /** Reads {@code maml.executor} and {@code maml.learner-path} (validated with the rest of {@code maml} by {@link MamlConfig#from}). */
    public static ExecutionConfig from(Config c) {
        Config m = c.getConfig("maml");
        try {
            return new ExecutionConfig(m.getString("executor").trim(), LearnerPath.fromKey(m.getString("learner-path")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(m.origin(), "maml", e.getMessage(), e);
        }
    }

    public boolean local() {
        return LOCAL.equals(executor);
    }

    /**
     * The learner path engines use: as configured, except {@code auto} away from {@code local}, which is
     * {@code eager} (each process would measure on its own and could pick another path).
     */
    public LearnerPath effectivePath() {
        return learnerPath == LearnerPath.AUTO && !local() ? LearnerPath.EAGER : learnerPath;
    }
}
