package dev.metamorph.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A write that fails part-way leaves the previous file byte for byte and no temporary file behind. */
class SafeTensorsAtomicWriteTest {

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aWriteInterruptedAfterItsFirstTensorLeavesTheOldFileUnchanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("memory.safetensors");
        SafeTensors.write(file, Map.of("old", Nd4j.createFromArray(new double[] {1, 2, 3})), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(file);

        Map<String, INDArray> next = new LinkedHashMap<>();
        next.put("keys", Nd4j.createFromArray(new float[64 * 32]).reshape('c', 64, 32).addi(0.5f));
        next.put("values", Nd4j.createFromArray(new float[] {4, 5}));
        List<String> written = new ArrayList<>();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafeTensors.write(file, next, Map.of("v", "2"),
                name -> {
                    written.add(name);
                    throw new IOException("No space left on device (simulated)");
                }));
        assertEquals(List.of("keys"), written, "the failure came after the first tensor's data was written");
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()) && e.getMessage().contains("No space left")
                && e.getMessage().contains("unchanged"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listing(dir), "the temporary file is removed");
        assertArrayEquals(new double[] {1, 2, 3}, SafeTensors.read(file).getDoubles("old"));
    }

    @Test
    void aRuntimeFailureMidWayAlsoLeavesNoTrace(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("adapter.safetensors");
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("a", Nd4j.createFromArray(new int[] {1}));
        t.put("b", Nd4j.createFromArray(new int[] {2}));
        assertThrows(IllegalStateException.class, () -> SafeTensors.write(file, t, null, name -> {
            throw new IllegalStateException("stopped");
        }));
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void aTargetThatCannotBeReplacedFailsWithTheFileNamed(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("taken.safetensors");
        Files.createDirectories(target.resolve("inside"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> SafeTensors.write(target, Map.of("a", Nd4j.createFromArray(new float[] {1})), null));
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertEquals(List.of(target), listing(dir), "the temporary file is removed");
        assertTrue(Files.isDirectory(target.resolve("inside")));
    }
}
