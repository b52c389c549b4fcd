package dev.metamorph.prompts;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import dev.metamorph.core.config.HoconDepth;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a domain's {@code templates.conf} as data: HOCON syntax, but no {@code include} of any kind
 * (a verbalizer could otherwise pull a file from anywhere into the prompts) and no substitutions
 * ({@code ${HOME}}, {@code ${?SECRET}} would read the environment; a self-reference is refused too,
 * since the file is small and plain values say the same). Bounded in size and nesting. Every
 * refusal is a {@link CatalogProblem} naming file:line.
 */
final class MetadataParser {
    /** The largest templates.conf read (256 KiB); a domain's metadata is a few hundred lines. */
    static final long MAX_BYTES = 256 * 1024;
    private static final Pattern INCLUDE_LINE = Pattern.compile(
            "(^|[{\\[,\\s])include\\s+(required\\s*\\(\\s*)?(file|url|classpath)?\\s*\\(?\\s*\"");

    private MetadataParser() {}

    /** The parsed file, or null after adding why it was refused to {@code problems}. */
    static Config parse(Path conf, String confName, List<CatalogProblem> problems) {
        String text;
        try {
            long size = Files.size(conf);
            if (size > MAX_BYTES) {
                problems.add(new CatalogProblem(confName, "file is " + size + " bytes, over the limit of " + MAX_BYTES,
                        "a templates.conf lists a few templates: shorten it"));
                return null;
            }
            text = Files.readString(conf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(new CatalogProblem(confName, "cannot read: " + e.getMessage(), "check the file and its permissions"));
            return null;
        }
        HoconDepth.TooDeep deep = HoconDepth.check(text, HoconDepth.MAX_DEPTH);
        if (deep != null) {
            problems.add(new CatalogProblem(confName + ":" + deep.line(), "nests " + deep.depth() + " levels deep, more than the "
                    + HoconDepth.MAX_DEPTH + " allowed", "flatten it: templates.conf holds a list of flat entries"));
            return null;
        }
        Config c;
        try {
            c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setOriginDescription(confName).setIncluder(new RefusingIncluder()));
        } catch (IncludeRefused e) {
            problems.add(new CatalogProblem(confName + includeLine(text), "include " + e.what + " is refused",
                    "templates.conf may not include other files: write the entries in this file"));
            return null;
        } catch (ConfigException e) {
            problems.add(new CatalogProblem(confName + line(e), "cannot parse: " + stripOrigin(e.getMessage(), confName), "fix the HOCON syntax"));
            return null;
        }
        List<ConfigValue> substitutions = new ArrayList<>();
        unresolved(c.root(), substitutions);
        for (ConfigValue v : substitutions) {
            problems.add(new CatalogProblem(confName + (v.origin().lineNumber() > 0 ? ":" + v.origin().lineNumber() : ""),
                    "substitution " + v.render() + " is refused (templates.conf is data: it may not read the environment or other keys)",
                    "write the value itself, in quotes"));
        }
        if (!substitutions.isEmpty()) return null;
        return c.resolve(ConfigResolveOptions.noSystem());
    }

    /** Collects the values that still need resolving (substitutions, alone or inside concatenations and merges). */
    private static void unresolved(ConfigValue v, List<ConfigValue> out) {
        try {
            v.valueType();
        } catch (ConfigException.NotResolved e) {
            out.add(v);
            return;
        }
        if (v instanceof ConfigObject o) {
            for (ConfigValue child : o.values()) unresolved(child, out);
        } else if (v instanceof ConfigList l) {
            for (ConfigValue child : l) unresolved(child, out);
        }
    }

    private static String includeLine(String text) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = INCLUDE_LINE.matcher(lines[i]);
            if (m.find()) return ":" + (i + 1);
        }
        return "";
    }

    private static String line(ConfigException e) {
        return e.origin() != null && e.origin().lineNumber() > 0 ? ":" + e.origin().lineNumber() : "";
    }

    private static String stripOrigin(String message, String confName) {
        String m = message == null ? "" : message;
        return m.startsWith(confName) ? m.replaceFirst("^" + Pattern.quote(confName) + "(: ?\\d+)?: ?", "") : m;
    }

    private static final class IncludeRefused extends RuntimeException {
        final String what;

        IncludeRefused(String what) {
            super("include " + what + " refused", null, false, false);
            this.what = what;
        }
    }

    /** Refuses every include form: plain, file(), url(), classpath(). */
    private static final class RefusingIncluder implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
        @Override
        public ConfigIncluder withFallback(ConfigIncluder fallback) {
            return this;
        }

        @Override
        public ConfigObject include(ConfigIncludeContext context, String what) {
            throw new IncludeRefused("\"" + what + "\"");
        }

        @Override
        public ConfigObject includeFile(ConfigIncludeContext context, File what) {
            throw new IncludeRefused("file(\"" + what + "\")");
        }

        @Override
        public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
            throw new IncludeRefused("url(\"" + what + "\")");
        }

        @Override
        public ConfigObject includeResources(ConfigIncludeContext context, String what) {
            throw new IncludeRefused("classpath(\"" + what + "\")");
        }
    }
}
