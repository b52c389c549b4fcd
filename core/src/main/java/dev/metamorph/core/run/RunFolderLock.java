package dev.metamorph.core.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An operating-system lock on {@code <run folder>/.lock} ({@link FileChannel#tryLock()}), held for
 * as long as a {@link RunContext} is open, so a second process (or a second context in this one)
 * on the same run folder is refused instead of interleaving its writes. The lock file holds the
 * holder's process id, for the message; the operating system releases the lock when the process
 * dies, so a killed run never leaves its folder locked.
 */
final class RunFolderLock implements AutoCloseable {
    static final String FILE = ".lock";
    private final FileChannel channel;
    private final FileLock lock;

    private RunFolderLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir}; throws {@link RunFolderInUseException} if another holder has it. */
    static RunFolderLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                l = null;
            }
            if (l == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                ch.close();
                throw new RunFolderInUseException("Run folder " + dir + " is in use by another process"
                        + (holder.isEmpty() ? "" : " (" + holder + ")") + ", which holds " + file
                        + "; wait for it to finish, or use another run folder");
            }
            ch.truncate(0);
            ByteBuffer who = ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8));
            AtomicFiles.writeFully(who, ch);
            ch.force(false);
            return new RunFolderLock(ch, l);
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new UncheckedIOException("Cannot lock run folder " + dir + " (" + file + "): " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot release the lock of " + channel + ": " + e, e);
        }
    }
}
