package dev.metamorph.core.config;

import com.typesafe.config.ConfigOrigin;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Formats where a config value was set: {@code configs/maml/default.conf:3}, {@code override #1 'a=1'}. */
final class Origins {
    private Origins() {}

    static String format(ConfigOrigin origin, Path projectRoot) {
        if (origin == null) return "unknown origin";
        int line = origin.lineNumber();
        String suffix = line >= 0 ? ":" + line : "";
        if (origin.filename() != null) return relative(Paths.get(origin.filename()), projectRoot) + suffix;
        URL url = origin.url();
        if (url != null) {
            String u = url.toString();
            int bang = u.indexOf("!/");
            if (u.startsWith("jar:") && bang > 0) {
                String jar = u.substring(0, bang);
                return jar.substring(jar.lastIndexOf('/') + 1) + u.substring(bang) + suffix;
            }
            if (u.startsWith("file:")) {
                try {
                    return relative(Paths.get(url.toURI()), projectRoot) + suffix;
                } catch (Exception e) {
                    return u + suffix;
                }
            }
            return u + suffix;
        }
        String d = origin.description();
        return d.replaceAll(": \\d+$", "").replaceAll(" @ .*$", "");
    }

    /** Whether a value comes from this project (configs, overrides, a module's reference.conf), not a library. */
    static boolean isProject(ConfigOrigin origin, Path projectRoot) {
        if (origin == null) return false;
        if (origin.filename() != null) return true;
        URL url = origin.url();
        if (url == null) return origin.description().startsWith("override #");
        String u = url.toString();
        if (u.contains("/metamorph-")) return true;
        try {
            String file = u.startsWith("jar:") ? u.substring(4, u.indexOf("!/")) : u;
            return Paths.get(new java.net.URI(file)).toAbsolutePath().normalize().startsWith(projectRoot.toAbsolutePath().normalize());
        } catch (Exception e) {
            return false;
        }
    }

    static String relative(Path p, Path root) {
        Path abs = p.toAbsolutePath().normalize();
        Path r = root.toAbsolutePath().normalize();
        return abs.startsWith(r) ? r.relativize(abs).toString() : abs.toString();
    }
}
