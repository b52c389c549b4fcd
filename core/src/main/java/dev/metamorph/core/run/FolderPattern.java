package dev.metamorph.core.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands a folder pattern such as {@code outputs/${now:yyyy-MM-dd}/${now:HH-mm-ss}} at a given time
 * and creates a fresh folder from it, never reusing an existing one (a {@code -1}, {@code -2}...
 * suffix is added instead).
 */
public final class FolderPattern {
    private static final Pattern NOW = Pattern.compile("\\$\\{now:([^}]*)}");

    private FolderPattern() {}

    /** The pattern with every {@code ${now:FMT}} replaced by {@code time} formatted with FMT. */
    public static String expand(String pattern, ZonedDateTime time) {
        Matcher m = NOW.matcher(pattern);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String formatted;
            try {
                formatted = DateTimeFormatter.ofPattern(m.group(1)).format(time);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Bad date pattern '" + m.group(1) + "' in folder pattern '" + pattern + "': " + e.getMessage(), e);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(formatted));
        }
        m.appendTail(out);
        if (out.indexOf("${") >= 0) {
            throw new IllegalArgumentException("Folder pattern '" + pattern + "' has an unknown ${...} token; only ${now:<date pattern>} is supported");
        }
        return out.toString();
    }

    /**
     * Creates a new folder for the expanded pattern plus {@code _name} (when name is not empty),
     * resolving relative patterns against {@code projectRoot}.
     */
    public static Path createFresh(Path projectRoot, String pattern, String name, ZonedDateTime time) {
        String expanded = expand(pattern, time) + (name == null || name.isEmpty() ? "" : "_" + name);
        Path base = projectRoot.resolve(expanded).normalize();
        return createUnique(base);
    }

    /** Creates {@code base}, or {@code base-1}, {@code base-2}... if it exists already. */
    public static Path createUnique(Path base) {
        try {
            Files.createDirectories(base.toAbsolutePath().getParent());
            for (int k = 0; ; k++) {
                Path candidate = k == 0 ? base : base.resolveSibling(base.getFileName() + "-" + k);
                try {
                    return Files.createDirectory(candidate);
                } catch (FileAlreadyExistsException e) {
                    // taken by an earlier run: try the next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create run folder " + base + ": " + e.getMessage(), e);
        }
    }
}
