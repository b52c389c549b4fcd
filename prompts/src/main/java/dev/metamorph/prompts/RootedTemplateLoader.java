package dev.metamorph.prompts;

import freemarker.cache.TemplateLoader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads {@code .ftl} files from one templates root and nothing else: names with {@code ..}
 * segments, absolute names, drive letters or backslashes are refused, and so is a file whose real
 * path (after following symbolic links) lies outside the root. Every loaded source also passes
 * {@link TemplateSourceCheck}, so included templates are held to the same rules.
 */
final class RootedTemplateLoader implements TemplateLoader {
    /** The largest template file loaded (1 MiB): prompt templates are a few lines. */
    static final long MAX_TEMPLATE_BYTES = 1 << 20;
    private final Path root;
    private final Path realRoot;

    RootedTemplateLoader(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = this.root.toRealPath();
    }

    Path root() {
        return root;
    }

    @Override
    public Object findTemplateSource(String name) throws IOException {
        String problem = nameProblem(name);
        if (problem != null) throw new IOException("Template name \"" + name + "\" refused: " + problem);
        Path p = root.resolve(name).normalize();
        if (!p.startsWith(root)) throw new IOException("Template name \"" + name + "\" refused: it resolves outside the templates root " + root);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return null;
        Path real = p.toRealPath();
        if (!real.startsWith(realRoot)) {
            throw new IOException("Template \"" + name + "\" refused: it is a link to " + real
                    + ", outside the templates root " + realRoot + "; copy the file into the root instead");
        }
        if (!Files.isRegularFile(real)) return null;
        return new Source(name, real);
    }

    /** Why a template name is refused, or null when it is acceptable. */
    static String nameProblem(String name) {
        if (name == null || name.isEmpty()) return "it is empty";
        if (name.indexOf('\0') >= 0) return "it contains a NUL character";
        if (name.startsWith("/") || name.indexOf(':') >= 0) return "absolute names are not allowed; use a path relative to the templates root";
        if (name.indexOf('\\') >= 0) return "backslashes are not allowed; use '/'";
        for (String seg : name.split("/")) {
            if (seg.equals("..")) return "'..' segments are not allowed";
        }
        if (!name.endsWith(".ftl")) return "only .ftl files are templates";
        return null;
    }

    @Override
    public long getLastModified(Object templateSource) {
        try {
            return Files.getLastModifiedTime(((Source) templateSource).path()).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public Reader getReader(Object templateSource, String encoding) throws IOException {
        Source s = (Source) templateSource;
        long size = Files.size(s.path());
        if (size > MAX_TEMPLATE_BYTES) {
            throw new RefusedTemplateException(s.name(), 0, 0, "template file is " + size + " bytes, over the limit of "
                    + MAX_TEMPLATE_BYTES + " bytes for one template; a prompt template is a few lines: split or shorten it");
        }
        String text = Files.readString(s.path(), StandardCharsets.UTF_8);
        List<TemplateSourceCheck.Violation> violations = TemplateSourceCheck.check(text);
        if (!violations.isEmpty()) {
            TemplateSourceCheck.Violation v = violations.get(0);
            throw new RefusedTemplateException(s.name(), v.line(), v.column(), v.message());
        }
        return new StringReader(text);
    }

    @Override
    public void closeTemplateSource(Object templateSource) {
        // nothing is held open: getReader reads the whole file
    }

    private record Source(String name, Path path) {}

    /** A template source refused by {@link TemplateSourceCheck}; carries the place. */
    static final class RefusedTemplateException extends IOException {
        final String template;
        final int line;
        final int column;

        RefusedTemplateException(String template, int line, int column, String message) {
            super(PromptRenderException.place(template, line, column) + message);
            this.template = template;
            this.line = line;
            this.column = column;
        }
    }
}
