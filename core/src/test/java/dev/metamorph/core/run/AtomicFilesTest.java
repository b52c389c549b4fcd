package dev.metamorph.core.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable write path: full writes over short ones, verified content, failures that keep the old file, stale temporaries. */
class AtomicFilesTest {

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A channel that takes at most three bytes per call, and sometimes none. */
    private static final class ShortChannel implements WritableByteChannel {
        final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        int calls;

        @Override
        public int write(ByteBuffer src) {
            if (calls++ % 4 == 3) return 0;
            int n = Math.min(3, src.remaining());
            for (int i = 0; i < n; i++) got.write(src.get());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void writeFullyLoopsOverShortWrites() throws IOException {
        byte[] data = "a checkpoint that a full disk would cut short".getBytes(StandardCharsets.UTF_8);
        ShortChannel ch = new ShortChannel();
        AtomicFiles.writeFully(ByteBuffer.wrap(data), ch);
        assertArrayEquals(data, ch.got.toByteArray());
    }

    @Test
    void aChannelThatNeverAcceptsFailsInsteadOfSpinning() {
        WritableByteChannel stuck = new WritableByteChannel() {
            public int write(ByteBuffer src) {
                return 0;
            }

            public boolean isOpen() {
                return true;
            }

            public void close() {
            }
        };
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeFully(ByteBuffer.allocate(10), stuck));
        assertTrue(e.getMessage().contains("10 bytes left"), e.getMessage());
    }

    @Test
    void writeReturnsTheSha256OfTheFileAndLeavesNoTemporary(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sub/results.json");
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        String hash = AtomicFiles.write(f, out -> {
            out.write(big, 0, 100_000);
            out.write(big[100_000]);
            out.write(big, 100_001, big.length - 100_001);
        });
        assertArrayEquals(big, Files.readAllBytes(f));
        assertEquals(AtomicFiles.sha256(f), hash);
        assertEquals(List.of("results.json"), names(dir.resolve("sub")));
    }

    @Test
    void aFailedWriteKeepsThePreviousFileAndSaysWhy(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("manifest.json");
        AtomicFiles.writeString(f, "old\n");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(f.toAbsolutePath().toString()) && e.getMessage().contains("the disk is full")
                && e.getMessage().contains("previous file, if any, is unchanged"), e.getMessage());
        assertEquals("old\n", Files.readString(f));
        assertEquals(List.of("manifest.json"), names(dir));
    }

    @Test
    void staleTemporariesOfDeadProcessesAreRemovedAndLiveOnesKept(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        long alive = ProcessHandle.current().parent().map(ProcessHandle::pid).orElseThrow();
        Path stale = Files.writeString(dir.resolve(".model.zip." + dead + "-abc.tmp"), "cut short");
        Path live = Files.writeString(dir.resolve(".model.zip." + alive + "-def.tmp"), "being written");
        Path oldStyleRecent = Files.writeString(dir.resolve(".model.zip.12345.tmp"), "recent, unnamed");
        AtomicFiles.writeString(dir.resolve("model.zip"), "new");
        assertFalse(Files.exists(stale), "a dead process's temporary file is removed");
        assertTrue(Files.exists(live), "a running process's temporary file is kept");
        assertTrue(Files.exists(oldStyleRecent), "an unnamed temporary file younger than an hour is kept");
        Files.setLastModifiedTime(oldStyleRecent, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 2 * 3600_000L));
        assertEquals(1, AtomicFiles.removeStaleTemporaries(dir));
        assertEquals(List.of(live.getFileName().toString(), "model.zip"), names(dir));
    }
}
