package dev.metamorph.cli;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Drops the lines that ND4J 1.0.0-M2.1 prints straight to standard output (SameDiff's
 * {@code createGradFunction} prints "Added differentiated op ..." for every op), so that a
 * command's own output, JSON lines included, stays clean. Installed once at the CLI's edge;
 * every other line passes through unchanged.
 */
final class LibraryNoiseFilter extends FilterOutputStream {
    private static final List<String> DROPPED_PREFIXES = List.of("Added differentiated op ");
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private LibraryNoiseFilter(OutputStream out) {
        super(out);
    }

    /** Replaces {@code System.out} with a filtered stream (idempotent). */
    static synchronized void install() {
        if (System.out instanceof Marked) return;
        System.setOut(new Marked(new LibraryNoiseFilter(new java.io.FileOutputStream(java.io.FileDescriptor.out))));
    }

    @Override
    public synchronized void write(int b) throws IOException {
        line.write(b);
        if (b == '\n') emitLine();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    @Override
    public synchronized void flush() throws IOException {
        // A partial line that cannot be noise yet is passed on, so prompts and progress show at once.
        if (line.size() > 0 && !couldBeNoise()) {
            line.writeTo(out);
            line.reset();
        }
        out.flush();
    }

    private boolean couldBeNoise() {
        String s = line.toString(StandardCharsets.UTF_8);
        for (String p : DROPPED_PREFIXES) if (p.startsWith(s) || s.startsWith(p)) return true;
        return false;
    }

    private void emitLine() throws IOException {
        String s = line.toString(StandardCharsets.UTF_8);
        boolean drop = false;
        for (String p : DROPPED_PREFIXES) drop |= s.startsWith(p);
        if (!drop) line.writeTo(out);
        line.reset();
    }

    /** Marks the installed stream. */
    private static final class Marked extends PrintStream {
        Marked(OutputStream out) {
            super(out, true, StandardCharsets.UTF_8);
        }
    }
}
