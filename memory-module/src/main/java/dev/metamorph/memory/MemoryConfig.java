package dev.metamorph.memory;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.metamorph.core.Checks;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of the external memory (HOCON namespace {@code memory}, defaults in the module's
 * {@code reference.conf}): the per-domain store's capacity and eviction policy, key and value
 * widths, the top-k of sparse reads (0 = dense), the initial read strength, the usage decay, and
 * the initial weight of the model's memory logits, and whether the model reads the per-domain store
 * ({@code store}) with the initial weight of that read ({@code store-gain}), how many of the store's
 * slots a row reads ({@code store-top-k}) and that read's initial strength ({@code store-strength}).
 */
public record MemoryConfig(int capacity, int keySize, int valueSize, int topK, EvictionPolicy eviction,
                           double strength, double usageDecay, double gain, boolean store, double storeGain,
                           int storeTopK, double storeStrength) {
    public MemoryConfig {
        Checks.positive("memory.capacity", capacity);
        Checks.positive("memory.key-size", keySize);
        Checks.positive("memory.value-size", valueSize);
        Checks.nonNegative("memory.top-k", topK);
        Checks.notNull("memory.eviction", eviction);
        Checks.positive("memory.strength", strength);
        Checks.inClosedRange("memory.usage-decay", usageDecay, 0.0, 1.0);
        Checks.check(Double.isFinite(gain), "memory.gain must be finite, got %s", gain);
        Checks.check(Double.isFinite(storeGain), "memory.store-gain must be finite, got %s", storeGain);
        Checks.positive("memory.store-top-k", storeTopK);
        Checks.positive("memory.store-strength", storeStrength);
    }

    /** Without the per-domain store read ({@code memory.store = false}). */
    public MemoryConfig(int capacity, int keySize, int valueSize, int topK, EvictionPolicy eviction, double strength, double usageDecay, double gain) {
        this(capacity, keySize, valueSize, topK, eviction, strength, usageDecay, gain, false, 0.0, 10, 10.0);
    }

    /** Reads and validates the {@code memory} namespace of a composed config; an unknown key is an error naming it. */
    public static MemoryConfig from(Config c) {
        Config reference = ConfigFactory.defaultReference();
        c.checkValid(reference, "memory");
        Config m = c.getConfig("memory");
        Set<String> known = reference.getConfig("memory").root().keySet();
        for (String key : new TreeSet<>(m.root().keySet())) {
            if (!known.contains(key)) {
                throw new ConfigException.BadPath(m.root().get(key).origin(), "memory." + key, "unknown key; the memory namespace has " + new TreeSet<>(known));
            }
        }
        EvictionPolicy policy;
        try {
            policy = EvictionPolicy.parse(m.getString("eviction"), "memory.eviction");
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(m.getValue("eviction").origin(), "memory.eviction", e.getMessage());
        }
        return new MemoryConfig(m.getInt("capacity"), m.getInt("key-size"), m.getInt("value-size"), m.getInt("top-k"), policy,
                m.getDouble("strength"), m.getDouble("usage-decay"), m.getDouble("gain"), store(c, m), m.getDouble("store-gain"),
                m.getInt("store-top-k"), m.getDouble("store-strength"));
    }

    /**
     * {@code memory.store}: true, false, or {@code auto}, which reads the store wherever it runs: with
     * a base ({@code model.base} not {@code none}: the store holds the base's embeddings), on every
     * meta-learner and path (the eager pass and the graph form behind exact second order).
     */
    static boolean store(Config c, Config m) {
        if (!"auto".equals(m.getValue("store").unwrapped().toString())) {
            try {
                return m.getBoolean("store");
            } catch (ConfigException.WrongType e) {
                throw new ConfigException.BadValue(m.getValue("store").origin(), "memory.store", "must be true, false or auto, got '" + m.getValue("store").unwrapped() + "'");
            }
        }
        return !c.hasPath("model.base") || !"none".equals(c.getString("model.base"));
    }

    /** The defaults of {@code reference.conf}. */
    public static MemoryConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    /** The HOCON text of this config under the {@code memory} namespace (round-trips through {@link #from}). */
    public String toHocon() {
        return "memory {\n  capacity = " + capacity + "\n  key-size = " + keySize + "\n  value-size = " + valueSize
                + "\n  top-k = " + topK + "\n  eviction = " + eviction.key() + "\n  strength = " + strength
                + "\n  usage-decay = " + usageDecay + "\n  gain = " + gain + "\n  store = " + store + "\n  store-gain = " + storeGain
                + "\n  store-top-k = " + storeTopK + "\n  store-strength = " + storeStrength + "\n}\n";
    }

    public MemoryConfig withCapacity(int n) {
        return new MemoryConfig(n, keySize, valueSize, topK, eviction, strength, usageDecay, gain, store, storeGain, storeTopK, storeStrength);
    }

    public MemoryConfig withTopK(int k) {
        return new MemoryConfig(capacity, keySize, valueSize, k, eviction, strength, usageDecay, gain, store, storeGain, storeTopK, storeStrength);
    }

    /** A copy with the per-domain store read on or off, its gain starting at {@code startGain}. */
    public MemoryConfig withStore(boolean on, double startGain) {
        return new MemoryConfig(capacity, keySize, valueSize, topK, eviction, strength, usageDecay, gain, on, startGain, storeTopK, storeStrength);
    }

    /** A copy whose store reads take the {@code k} most similar slots, with initial strength {@code strength}. */
    public MemoryConfig withStoreRead(int k, double strength) {
        return new MemoryConfig(capacity, keySize, valueSize, topK, eviction, this.strength, usageDecay, gain, store, storeGain, k, strength);
    }

    public MemoryConfig withEviction(EvictionPolicy p) {
        return new MemoryConfig(capacity, keySize, valueSize, topK, p, strength, usageDecay, gain, store, storeGain, storeTopK, storeStrength);
    }
}
