package dev.metamorph.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs file system mounted for a test, to run durable writes into a full disk. Needs the
 * right to mount (root, as CI runs); without it the test is skipped with an assumption message
 * that says so. {@link #fillLeaving} fills the disk with a filler file so that about the given
 * number of bytes stay free (tmpfs counts whole 4 KiB pages).
 */
public final class SmallDisk implements AutoCloseable {
    private final Path root;
    private final Path filler;

    private SmallDisk(Path root) {
        this.root = root;
        this.filler = root.resolve("filler.bin");
    }

    /** Mounts a tmpfs of {@code bytes} on {@code mountPoint} (an empty folder), or skips the test. */
    public static SmallDisk mount(Path mountPoint, long bytes) {
        try {
            Files.createDirectories(mountPoint);
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", mountPoint.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            Assumptions.assumeTrue(ok, "full-disk test skipped: mounting a tmpfs is not permitted here (run as root, as CI does): " + out);
        } catch (IOException e) {
            Assumptions.abort("full-disk test skipped: cannot run mount (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while mounting a tmpfs", e);
        }
        return new SmallDisk(mountPoint);
    }

    /** The mounted folder. */
    public Path root() {
        return root;
    }

    /** Fills the disk, then frees about {@code freeBytes} of it (rounded to pages). */
    public void fillLeaving(long freeBytes) {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer page = ByteBuffer.allocate(4096);
            try {
                while (true) {
                    page.clear();
                    if (ch.write(page) <= 0) break;
                }
            } catch (IOException full) {
                // the disk is full
            }
            long size = ch.size();
            ch.truncate(Math.max(0, size - freeBytes));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot fill " + root + ": " + e, e);
        }
    }

    /** Removes the filler. */
    public void unfill() {
        try {
            Files.deleteIfExists(filler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            Process p = new ProcessBuilder("umount", "-l", root.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unmount " + root, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
