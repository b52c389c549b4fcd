package dev.metamorph.core.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

/**
 * The {@code run} namespace: root seed, optional run name, run-folder and sweep-folder patterns
 * (relative patterns resolve against the project root; {@code ${now:<java.time pattern>}} expands
 * to the start time) and the floating-point dtype.
 *
 * @param seed        root seed of the run's {@link dev.metamorph.core.SeedSequence}
 * @param name        run name appended to the folder as {@code _<name>}; empty for none
 * @param dir         run folder pattern, e.g. {@code outputs/${now:yyyy-MM-dd}/${now:HH-mm-ss}}
 * @param multirunDir sweep folder pattern; job k runs in {@code <multirunDir>/<k>/}
 * @param dtype       {@code float} or {@code double}
 */
public record RunConfig(long seed, String name, String dir, String multirunDir, String dtype) {
    public RunConfig {
        if (dir == null || dir.isBlank()) throw new IllegalArgumentException("run.dir must be a non-empty folder pattern");
        if (multirunDir == null || multirunDir.isBlank()) throw new IllegalArgumentException("run.multirun-dir must be a non-empty folder pattern");
        if (!"float".equals(dtype) && !"double".equals(dtype)) {
            throw new IllegalArgumentException("run.dtype must be float or double, got '" + dtype + "'");
        }
        name = name == null ? "" : name;
        if (!name.matches("[A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("run.name may hold only letters, digits, '.', '_' and '-' (it becomes part of a folder name), got '" + name + "'");
        }
    }

    /** Reads the {@code run} namespace of a composed (resolved or resolvable) config. */
    public static RunConfig from(Config c) {
        Config r = c.resolve().getConfig("run");
        try {
            return new RunConfig(r.getLong("seed"), r.getIsNull("name") ? "" : r.getString("name"),
                    r.getString("dir"), r.getString("multirun-dir"), r.getString("dtype"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Bad run configuration: " + e.getMessage(), e);
        }
    }
}
