package dev.metamorph.core.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one durable write path: every file that must survive a crash (checkpoints, model archives,
 * feature-cache shards, safetensors files, manifests, results, run-folder files) is written here.
 * A write goes to a temporary file {@code .<name>.<pid>-<random>.tmp} in the target's folder,
 * looping until every byte is written (a short write is never taken as the end), is forced to disk,
 * then read back and checked against the size and SHA-256 of what was written, and only then moved
 * over the target with an atomic rename, after which the folder is forced too. If any step fails
 * the temporary file is removed, the previous target (if any) is left as it was, and the error says
 * which file, why, and that the previous file is unchanged. Temporary files that a killed process
 * left beside the target (their process is gone, or unnamed ones older than an hour) are removed
 * before each write.
 */
public final class AtomicFiles {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
    private static final long PID = ProcessHandle.current().pid();
    private static final Duration STALE_UNNAMED = Duration.ofHours(1);
    /** Temporary files this process is writing now (never cleaned as stale). */
    private static final Set<Path> IN_PROGRESS = ConcurrentHashMap.newKeySet();

    private AtomicFiles() {}

    /** The bytes of a durable file, written to a stream that writes fully and hashes as it goes. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Replaces {@code target} with {@code text} (UTF-8); readers never see a half-written file. */
    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces {@code target} with {@code bytes}; readers never see a half-written file. */
    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /**
     * Replaces {@code target} with what {@code content} writes, durably (see the class comment).
     * A runtime exception thrown by {@code content} propagates after the temporary file is removed.
     *
     * @return the hex SHA-256 of the file written
     * @throws UncheckedIOException if the file cannot be written; the previous file is then unchanged
     */
    public static String write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path folder = abs.getParent();
        String name = abs.getFileName().toString();
        Path tmp = null;
        boolean done = false;
        try {
            Files.createDirectories(folder);
            removeStaleTemporaries(folder, name);
            tmp = folder.resolve("." + name + "." + PID + "-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            IN_PROGRESS.add(tmp);
            MessageDigest sha = sha256();
            long written;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                FullWriter out = new FullWriter(ch, sha);
                content.writeTo(out);
                out.flushBuffer();
                written = out.count;
                ch.force(true);
            }
            String hash = HexFormat.of().formatHex(sha.digest());
            verify(tmp, written, hash);
            applyPermissions(tmp);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            syncFolder(folder);
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + abs + ": " + e + hint(e)
                    + " (the previous file, if any, is unchanged)", e);
        } finally {
            if (tmp != null) {
                IN_PROGRESS.remove(tmp);
                if (!done) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException suppressed) {
                        LOG.warn("Could not delete the temporary file {}: {}", tmp, suppressed.toString());
                    }
                }
            }
        }
    }

    /**
     * Writes all of {@code buf} to {@code out}, looping over short writes (a channel may accept
     * fewer bytes than offered, e.g. when the disk is nearly full).
     *
     * @throws IOException if the channel accepts nothing for many calls in a row
     */
    public static void writeFully(ByteBuffer buf, WritableByteChannel out) throws IOException {
        int stalls = 0;
        while (buf.hasRemaining()) {
            int n = out.write(buf);
            if (n > 0) {
                stalls = 0;
            } else if (++stalls > 1000) {
                throw new IOException("the file system accepted no bytes for 1000 writes in a row (" + buf.remaining() + " bytes left to write)");
            }
        }
    }

    /** The hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + " to fingerprint it: " + e, e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Removes the temporary files of {@code folder} that interrupted writes left behind: those
     * named by a process that no longer runs, and unnamed ones ({@code .x.123.tmp} of older writers)
     * more than an hour old. Returns how many were removed.
     */
    public static int removeStaleTemporaries(Path folder) {
        return removeStale(folder, null);
    }

    private static void removeStaleTemporaries(Path folder, String name) {
        removeStale(folder, name);
    }

    private static int removeStale(Path folder, String name) {
        if (!Files.isDirectory(folder)) return 0;
        int removed = 0;
        String glob = name == null ? ".*.tmp" : "." + globEscape(name) + ".*.tmp";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, glob)) {
            for (Path p : ds) {
                if (IN_PROGRESS.contains(p.toAbsolutePath()) || !isStale(p)) continue;
                try {
                    if (Files.deleteIfExists(p)) {
                        removed++;
                        LOG.info("Removed {}, left by an interrupted write", p);
                    }
                } catch (IOException e) {
                    LOG.warn("Could not remove the stale temporary file {}: {}", p, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not list {} for stale temporary files: {}", folder, e.toString());
        }
        return removed;
    }

    private static boolean isStale(Path tmp) {
        String f = tmp.getFileName().toString();
        String stem = f.substring(0, f.length() - ".tmp".length());
        int dot = stem.lastIndexOf('.');
        String tag = dot < 0 ? "" : stem.substring(dot + 1);
        int dash = tag.indexOf('-');
        if (dash > 0) {
            try {
                long pid = Long.parseLong(tag.substring(0, dash));
                if (pid == PID) return true;   // not in progress here: a failed write whose cleanup failed
                return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
            } catch (NumberFormatException notOurs) {
                // fall through to the age rule
            }
        }
        try {
            FileTime t = Files.getLastModifiedTime(tmp);
            return t.toInstant().isBefore(java.time.Instant.now().minus(STALE_UNNAMED));
        } catch (IOException e) {
            return false;
        }
    }

    private static String globEscape(String s) {
        return s.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }

    private static void verify(Path tmp, long written, String hash) throws IOException {
        long size = Files.size(tmp);
        if (size != written) {
            throw new IOException("the temporary file " + tmp.getFileName() + " holds " + size + " bytes after writing " + written);
        }
        String onDisk = sha256OfFile(tmp);
        if (!onDisk.equals(hash)) {
            throw new IOException("the temporary file " + tmp.getFileName() + " reads back with SHA-256 " + onDisk + ", not the " + hash + " written");
        }
    }

    private static String sha256OfFile(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void applyPermissions(Path tmp) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) return;
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("Could not set permissions of {}: {}", tmp, e.toString());
        }
    }

    /** Makes the rename durable; not every platform lets a folder be opened, so failure only logs. */
    static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("Could not sync folder {}: {}", folder, e.toString());
        }
    }

    private static String hint(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("Disk quota")) return "; the disk is full: free space and run again";
        if (e instanceof java.nio.file.AccessDeniedException || m.contains("Permission denied") || m.contains("Read-only")) {
            return "; the folder is not writable: check its permissions";
        }
        return "";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    /** Buffers, hashes and counts the bytes, and writes each buffer fully. */
    private static final class FullWriter extends OutputStream {
        private final FileChannel ch;
        private final MessageDigest sha;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long count;

        FullWriter(FileChannel ch, MessageDigest sha) {
            this.ch = ch;
            this.sha = sha;
        }

        @Override
        public void write(int b) throws IOException {
            if (!buf.hasRemaining()) flushBuffer();
            buf.put((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (!buf.hasRemaining()) flushBuffer();
                int n = Math.min(len, buf.remaining());
                buf.put(b, off, n);
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            flushBuffer();
        }

        void flushBuffer() throws IOException {
            buf.flip();
            sha.update(buf.duplicate());
            count += buf.remaining();
            writeFully(buf, ch);
            buf.clear();
        }

        @Override
        public void close() {
            // the channel is closed by AtomicFiles after forcing it
        }
    }
}
