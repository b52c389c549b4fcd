package dev.metamorph.model.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {
    static final List<String> TEXTS = List.of("A small domesticated carnivorous mammal.", "The act of running swiftly.",
            "A large body of salt water that covers most of the surface of the earth, divided into several named oceans.",
            "(Chem.) A colourless gas.");
    static BaseEncoder base;
    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        base = BaseEncoder.open(BaseConfig.minilm(BaseConfig.Precision.FLOAT, 1));
    }

    @AfterAll
    static void close() {
        base.close();
    }

    /** Counts texts the cache computes (cache hits are not reported). */
    static final class Counting implements FeatureProgress {
        final AtomicLong computed = new AtomicLong();
        @Override public void start(String task, long total) { }
        @Override public void advance(long steps) { computed.addAndGet(steps); }
        @Override public void finish() { }
    }

    private long computeCount(List<String> texts, boolean states) {
        Counting c = new Counting();
        new FeatureCache(dir, base).features("gloss", "3", texts, states, c);
        return c.computed.get();
    }

    private List<Path> shards() throws IOException {
        try (Stream<Path> s = Files.list(new FeatureCache(dir, base).keyFolder("gloss", "3"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    /** |cached - fresh| within one float16 rounding of fresh plus 1e-5. */
    static void assertSameStates(float[] fresh, float[] cached) {
        assertEquals(fresh.length, cached.length);
        for (int i = 0; i < fresh.length; i++) {
            double tol = Math.abs(fresh[i]) * 0x1p-11 + 0x1p-24 + 1e-5;
            assertTrue(Math.abs(fresh[i] - cached[i]) <= tol, "element " + i + ": fresh " + fresh[i] + " cached " + cached[i]);
        }
    }

    @Test
    void cachedFeaturesEqualAFreshComputationInAnotherBatchAndAreComputedOnlyOnce() {
        assertEquals(TEXTS.size(), computeCount(TEXTS, true));
        assertEquals(0, computeCount(TEXTS, true), "a second lookup must hit the cache");
        List<String> other = new ArrayList<>(List.of("An unrelated and much longer text that pads every other row of its batch to its own length, "
                + "which is the point of putting it here."));
        List<String> reversed = new ArrayList<>(TEXTS);
        java.util.Collections.reverse(reversed);
        other.addAll(reversed);
        BaseFeatures fresh = base.encode(other);
        BaseFeatures cached = new FeatureCache(dir, base).features("gloss", "3", TEXTS, true, FeatureProgress.NONE);
        for (int i = 0; i < TEXTS.size(); i++) {
            int j = other.size() - 1 - i;
            assertEquals(fresh.length(j), cached.length(i));
            float[] fp = fresh.pooled(j), cp = cached.pooled(i);
            for (int h = 0; h < fp.length; h++) assertEquals(fp[h], cp[h], 1e-5, "pooled " + h);
            assertSameStates(fresh.states(j), cached.states(i));
            double cos = BaseEncoderTest.cosine(fp, BaseFeatures.meanPool(cached.states(i), cached.length(i), 384));
            assertTrue(cos >= 1 - 1e-3, "pooled vector from float16 states has cosine " + cos + " to the float one");
        }
    }

    @Test
    void pooledOnlyShardsServePooledLookupsButNotStateLookups() {
        assertEquals(TEXTS.size(), computeCount(TEXTS, false));
        BaseFeatures pooled = new FeatureCache(dir, base).features("gloss", "3", TEXTS, false, FeatureProgress.NONE);
        assertFalse(pooled.hasStates());
        assertThrows(IllegalStateException.class, () -> pooled.states(0));
        assertEquals(TEXTS.size(), computeCount(TEXTS, true), "states were never stored, so they are computed");
        assertEquals(0, computeCount(TEXTS, false));
    }

    @Test
    void aCorruptedShardIsDetectedDeletedAndRebuilt() throws IOException {
        computeCount(TEXTS, true);
        Path shard = shards().get(0);
        long size = Files.size(shard);
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x2a, 0x11, 0x7f}), size - 1000);   // inside the states
        }
        assertEquals(TEXTS.size(), computeCount(TEXTS, true), "the corrupted shard must not be used");
        assertEquals(0, computeCount(TEXTS, true), "the rebuilt shard serves the next lookup");
        BaseFeatures fresh = base.encode(TEXTS);
        BaseFeatures cached = new FeatureCache(dir, base).features("gloss", "3", TEXTS, true, FeatureProgress.NONE);
        for (int i = 0; i < TEXTS.size(); i++) assertSameStates(fresh.states(i), cached.states(i));
    }

    @Test
    void aCorruptedPooledVectorIsDetectedEvenForPooledOnlyLookups() throws IOException {
        computeCount(TEXTS, false);
        Path shard = shards().get(0);
        long size = Files.size(shard);
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 0.5f), size - 8);
        }
        assertEquals(TEXTS.size(), computeCount(TEXTS, false));
    }

    @Test
    void aTruncatedShardOrALeftoverTemporaryFileIsNotUsed() throws IOException {
        computeCount(TEXTS, true);
        Path shard = shards().get(0);
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path tmp = shard.resolveSibling(".shard-000009.safetensors.123.tmp");
        Files.write(tmp, new byte[] {1, 2, 3});
        assertEquals(TEXTS.size(), computeCount(TEXTS, true));
        assertFalse(Files.exists(tmp), "the interrupted write's temporary file is removed");
    }

    @Test
    void aForeignShardFromAnotherTemplateVersionIsDeletedAndItsTextsComputedAgain() throws IOException {
        Counting c = new Counting();
        FeatureCache cache = new FeatureCache(dir, base);
        cache.features("gloss", "2", TEXTS, true, c);
        Path foreign = Files.list(cache.keyFolder("gloss", "2")).filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        Path here = cache.keyFolder("gloss", "3");
        Files.createDirectories(here);
        Files.copy(foreign, here.resolve("shard-000001.safetensors"));
        assertEquals(TEXTS.size(), computeCount(TEXTS, true), "a shard of template version 2 must not serve version 3");
        assertEquals("3", dev.metamorph.core.io.SafeTensors.read(here.resolve("shard-000001.safetensors")).metadata().get("template-version"),
                "the foreign shard is replaced by this key's");
    }

    @Test
    void twoThreadsAskingTogetherComputeEachTextOnce() throws Exception {
        Counting c = new Counting();
        Runnable ask = () -> new FeatureCache(dir, base).features("gloss", "3", TEXTS, true, c);
        Thread t1 = new Thread(ask), t2 = new Thread(ask);
        t1.start();
        t2.start();
        t1.join();
        t2.join();
        assertEquals(TEXTS.size(), c.computed.get());
    }
}
