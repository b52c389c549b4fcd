package dev.metamorph.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The persistent store: eviction at capacity by policy, bitwise save/load, checked loading. */
class MemoryStateTest {
    @TempDir
    Path dir;

    private static double[] vec(double... v) {
        return v;
    }

    @Test
    void oldestPolicyEvictsTheFirstWrittenSlotAtCapacity() {
        MemoryState m = new MemoryState(3, 2, 1, EvictionPolicy.OLDEST, 0.9);
        assertEquals(0, m.write(vec(1, 0), vec(1), "a"));
        assertEquals(1, m.write(vec(0, 1), vec(2), "b"));
        assertEquals(2, m.write(vec(1, 1), vec(3), "c"));
        assertEquals(3, m.used());
        assertEquals(0, m.write(vec(2, 2), vec(4), "d"), "full: the oldest slot (0) is overwritten");
        assertEquals(1, m.write(vec(3, 3), vec(5), "e"));
        assertEquals(3, m.used(), "never above capacity");
        assertEquals("d", m.label(0));
        assertEquals(4.0, m.value(0, 0));
    }

    @Test
    void leastUsedPolicyEvictsTheSlotReadLeast() {
        MemoryState m = new MemoryState(3, 2, 1, EvictionPolicy.LEAST_USED, 0.9);
        m.write(vec(1, 0), vec(1), "a");
        m.write(vec(0, 1), vec(2), "b");
        m.write(vec(-1, 0), vec(3), "c");
        // reads that hit slots 0 and 2 hard: slot 1 becomes the least used although it is not the oldest
        ContentRead read = new ContentRead(2, 1, 0);
        for (double[] q : new double[][] {{1, 0}, {-1, 0}, {1, 0}}) m.touch(read.forward(q, 0, m.keys(), m.values(), m.used(), -1, 50.0));
        assertEquals(1, m.nextSlot());
        assertEquals(1, m.write(vec(5, 5), vec(9), "d"));
        assertTrue(m.usage(1) > m.usage(0) * 0 && m.usage(1) == 1.0);
    }

    @Test
    void saveLoadRoundTripIsBitwise() {
        SplittableRandom r = new SplittableRandom(5);
        MemoryState m = new MemoryState(8, 5, 3, EvictionPolicy.LEAST_USED, 0.95);
        for (int i = 0; i < 11; i++) {
            double[] k = new double[5], v = new double[3];
            for (int x = 0; x < 5; x++) k[x] = r.nextGaussian() * 1e-3 + Math.PI * r.nextDouble();
            for (int x = 0; x < 3; x++) v[x] = r.nextGaussian();
            m.write(k, v, "label" + (i % 4));
            m.touch(new ContentRead(5, 3, 2).forward(k, 0, m.keys(), m.values(), m.used(), -1, 4.0));
        }
        Path file = dir.resolve("memory.safetensors");
        m.save(file);
        MemoryState back = MemoryState.load(file);
        assertEquals(m.capacity(), back.capacity());
        assertEquals(m.policy(), back.policy());
        assertEquals(m.used(), back.used());
        assertEquals(m.step(), back.step());
        assertEquals(m.labelNames(), back.labelNames());
        assertEquals(Double.doubleToRawLongBits(m.usageDecay()), Double.doubleToRawLongBits(back.usageDecay()));
        for (int j = 0; j < m.used(); j++) {
            assertEquals(m.label(j), back.label(j));
            assertEquals(m.writtenAt(j), back.writtenAt(j));
            assertEquals(Double.doubleToRawLongBits(m.usage(j)), Double.doubleToRawLongBits(back.usage(j)));
        }
        assertArrayEquals(m.keys(), back.keys());
        assertArrayEquals(m.values(), back.values());
        // the loaded store carries on exactly like the original
        assertEquals(m.nextSlot(), back.nextSlot());
        assertEquals(m.write(new double[5], new double[3], "x"), back.write(new double[5], new double[3], "x"));
        // an empty store round-trips too
        MemoryState empty = new MemoryState(4, 2, 2, EvictionPolicy.OLDEST, 1.0);
        empty.save(dir.resolve("empty.safetensors"));
        MemoryState e2 = MemoryState.load(dir.resolve("empty.safetensors"));
        assertEquals(0, e2.used());
        assertEquals(EvictionPolicy.OLDEST, e2.policy());
    }

    @Test
    void loadRejectsForeignFilesNewerVersionsAndStoresOverCapacity() throws Exception {
        Path foreign = dir.resolve("foreign.safetensors");
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> t = new LinkedHashMap<>();
        t.put("w", Nd4j.createFromArray(1.0, 2.0));
        SafeTensors.write(foreign, t, Map.of("format", "something-else"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryState.load(foreign));
        assertTrue(e.getMessage().contains("foreign.safetensors") && e.getMessage().contains("metamorph-memory"), e.getMessage());

        MemoryState m = new MemoryState(2, 1, 1, EvictionPolicy.OLDEST, 0.9);
        m.write(vec(1), vec(1), "a");
        Path ok = dir.resolve("ok.safetensors");
        m.save(ok);
        var f = SafeTensors.read(ok);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> same = new LinkedHashMap<>();
        for (String name : f.names()) same.put(name, f.get(name));
        Map<String, String> newer = new LinkedHashMap<>(f.metadata());
        newer.put("version", "2");
        Path v2 = dir.resolve("v2.safetensors");
        SafeTensors.write(v2, same, newer);
        e = assertThrows(IllegalArgumentException.class, () -> MemoryState.load(v2));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        Map<String, String> over = new LinkedHashMap<>(f.metadata());
        over.put("capacity", "0");
        Path bad = dir.resolve("over.safetensors");
        SafeTensors.write(bad, same, over);
        e = assertThrows(IllegalArgumentException.class, () -> MemoryState.load(bad));
        assertTrue(e.getMessage().contains("capacity is 0"), e.getMessage());
    }

    @Test
    void aFailedWriteLeavesTheStoreAndTheSavedFileUnchanged() throws Exception {
        MemoryState m = new MemoryState(2, 2, 1, EvictionPolicy.OLDEST, 0.9);
        m.write(vec(1, 2), vec(3), "a");
        Path file = dir.resolve("m.safetensors");
        m.save(file);
        byte[] before = Files.readAllBytes(file);
        assertThrows(IllegalArgumentException.class, () -> m.write(vec(Double.NaN, 0), vec(1), "b"));
        assertEquals(1, m.used());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void configReadsTheNamespaceAndRejectsTypos() {
        MemoryConfig c = MemoryConfig.defaults();
        assertEquals(c, MemoryConfig.from(com.typesafe.config.ConfigFactory.parseString(c.toHocon()).withFallback(com.typesafe.config.ConfigFactory.defaultReference())));
        var typo = com.typesafe.config.ConfigFactory.parseString("memory.capacty = 3").withFallback(com.typesafe.config.ConfigFactory.defaultReference());
        Exception e = assertThrows(com.typesafe.config.ConfigException.class, () -> MemoryConfig.from(typo));
        assertTrue(e.getMessage().contains("memory.capacty"), e.getMessage());
        var policy = com.typesafe.config.ConfigFactory.parseString("memory.eviction = random").withFallback(com.typesafe.config.ConfigFactory.defaultReference());
        e = assertThrows(com.typesafe.config.ConfigException.class, () -> MemoryConfig.from(policy));
        assertTrue(e.getMessage().contains("least-used or oldest"), e.getMessage());
    }
}
