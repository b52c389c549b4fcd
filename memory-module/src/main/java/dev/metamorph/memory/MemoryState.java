package dev.metamorph.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.io.SafeTensors;
import dev.metamorph.core.io.SafeTensorsFile;
import dev.metamorph.core.io.TensorDtype;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A per-domain key-value memory that persists across episodes: at most {@code capacity} slots, each
 * a key, a value, a label (an index into the store's label names, so that a slot keeps its class
 * across episodes whose class indices differ), a usage (decayed read and write weights) and the step
 * it was written at (its age). Writes are hard: a free slot while there is one, then the slot the
 * {@link EvictionPolicy} picks. Reads go through {@link ContentRead} over {@link #keys()} and
 * {@link #values()}; {@link #touch} records their weights in the usage.
 *
 * <p>{@link #save} writes safetensors (float64, so a round trip is bitwise) with versioned metadata
 * (format, version, capacity, eviction policy, widths, step, label names) atomically;
 * {@link #load} checks all of it. Not thread-safe.
 */
public final class MemoryState {
    /** The {@code format} metadata value of a saved memory. */
    public static final String FORMAT = "metamorph-memory";
    /** The version this code writes and reads. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int capacity, keySize, valueSize;
    private final EvictionPolicy policy;
    private final double usageDecay;
    private final double[] keys, values, usage;
    private final int[] labels;
    private final long[] written;
    private final List<String> labelNames = new ArrayList<>();
    private final Map<String, Integer> labelIndex = new HashMap<>();
    private int used;
    private long step;

    /** An empty memory of {@code capacity} slots. */
    public MemoryState(int capacity, int keySize, int valueSize, EvictionPolicy policy, double usageDecay) {
        if (capacity < 1 || keySize < 1 || valueSize < 1) throw new IllegalArgumentException("memory capacity, key and value sizes must be >= 1, got " + capacity + ", " + keySize + ", " + valueSize);
        if (policy == null) throw new IllegalArgumentException("memory eviction policy must be set");
        if (!(usageDecay >= 0 && usageDecay <= 1)) throw new IllegalArgumentException("memory usage decay must be in [0, 1], got " + usageDecay);
        this.capacity = capacity;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.policy = policy;
        this.usageDecay = usageDecay;
        this.keys = new double[capacity * keySize];
        this.values = new double[capacity * valueSize];
        this.usage = new double[capacity];
        this.labels = new int[capacity];
        this.written = new long[capacity];
    }

    /** An empty memory with the settings of {@code c}. */
    public static MemoryState of(MemoryConfig c) {
        return new MemoryState(c.capacity(), c.keySize(), c.valueSize(), c.eviction(), c.usageDecay());
    }

    public int capacity() { return capacity; }
    public int keySize() { return keySize; }
    public int valueSize() { return valueSize; }
    public EvictionPolicy policy() { return policy; }
    public double usageDecay() { return usageDecay; }
    /** Slots holding an entry (slots 0 .. used-1). */
    public int used() { return used; }
    /** Writes so far (the clock that ages slots). */
    public long step() { return step; }

    /** Keys [capacity * keySize], row-major; the store's own array (read only for callers). */
    public double[] keys() { return keys; }

    /** Values [capacity * valueSize], row-major; the store's own array (read only for callers). */
    public double[] values() { return values; }

    /** Usage of slot j. */
    public double usage(int slot) { return usage[check(slot)]; }

    /** The step slot j was last written at. */
    public long writtenAt(int slot) { return written[check(slot)]; }

    /** The label name of slot j. */
    public String label(int slot) { return labelNames.get(labels[check(slot)]); }

    /** The label names the store has seen, in first-seen order. */
    public List<String> labelNames() { return List.copyOf(labelNames); }

    /** Key component x of slot j. */
    public double key(int slot, int x) { return keys[check(slot) * keySize + x]; }

    /** Value component x of slot j. */
    public double value(int slot, int x) { return values[check(slot) * valueSize + x]; }

    private int check(int slot) {
        if (slot < 0 || slot >= used) throw new IndexOutOfBoundsException("memory slot " + slot + " of " + used + " used (capacity " + capacity + ")");
        return slot;
    }

    /** The slot the next write goes to: the next free one, else the one the eviction policy picks. */
    public int nextSlot() {
        if (used < capacity) return used;
        int best = 0;
        for (int j = 1; j < capacity; j++) {
            boolean better = switch (policy) {
                case LEAST_USED -> usage[j] < usage[best] || usage[j] == usage[best] && written[j] < written[best];
                case OLDEST -> written[j] < written[best];
            };
            if (better) best = j;
        }
        return best;
    }

    /**
     * Writes one entry (a copy of {@code key} [keySize], {@code value} [valueSize]) under label
     * {@code label}; usages decay by one step and the written slot's usage becomes 1. Returns the slot.
     */
    public int write(double[] key, double[] value, String label) {
        if (key.length != keySize || value.length != valueSize) throw new IllegalArgumentException("memory write: key " + key.length + " and value " + value.length + " wide, the memory holds " + keySize + " and " + valueSize);
        for (double v : key) if (!Double.isFinite(v)) throw new IllegalArgumentException("memory write: the key holds a non-finite value (" + v + "); nothing was written");
        for (double v : value) if (!Double.isFinite(v)) throw new IllegalArgumentException("memory write: the value holds a non-finite value (" + v + "); nothing was written");
        int slot = nextSlot();
        for (int j = 0; j < used; j++) usage[j] *= usageDecay;
        System.arraycopy(key, 0, keys, slot * keySize, keySize);
        System.arraycopy(value, 0, values, slot * valueSize, valueSize);
        labels[slot] = labelId(label);
        usage[slot] = 1.0;
        written[slot] = ++step;
        if (slot == used) used++;
        return slot;
    }

    /** Adds a read's weights to the usage of the slots it addressed. */
    public void touch(ContentRead.Result read) {
        for (int m = 0; m < read.slots().length; m++) usage[check(read.slots()[m])] += read.weights()[m];
    }

    private int labelId(String label) {
        if (label == null || label.isEmpty()) throw new IllegalArgumentException("memory write: the label must be a non-empty name");
        return labelIndex.computeIfAbsent(label, l -> {
            labelNames.add(l);
            return labelNames.size() - 1;
        });
    }

    // ------------------------------------------------------------------ persistence

    /**
     * Saves the used slots and the settings to {@code file} as safetensors (tensors {@code keys},
     * {@code values} F64, {@code labels} I32, {@code usage} F64, {@code written} I64; metadata
     * {@code format}, {@code version}, {@code capacity}, {@code eviction}, {@code usage-decay},
     * {@code key-size}, {@code value-size}, {@code used}, {@code step}, {@code label-names} as a
     * JSON list), atomically: an existing file is replaced whole or left untouched.
     */
    public void save(Path file) {
        int n = Math.max(used, 1); // an empty store writes one zero row, which "used" = 0 marks as unused
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> t = new LinkedHashMap<>();
        t.put("keys", Nd4j.createFromArray(Arrays.copyOf(keys, n * keySize)).reshape(n, keySize));
        t.put("values", Nd4j.createFromArray(Arrays.copyOf(values, n * valueSize)).reshape(n, valueSize));
        t.put("labels", Nd4j.createFromArray(Arrays.copyOf(labels, n)));
        t.put("usage", Nd4j.createFromArray(Arrays.copyOf(usage, n)));
        t.put("written", Nd4j.createFromArray(Arrays.copyOf(written, n)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", Integer.toString(VERSION));
        meta.put("capacity", Integer.toString(capacity));
        meta.put("eviction", policy.key());
        meta.put("usage-decay", Double.toString(usageDecay));
        meta.put("key-size", Integer.toString(keySize));
        meta.put("value-size", Integer.toString(valueSize));
        meta.put("used", Integer.toString(used));
        meta.put("step", Long.toString(step));
        try {
            meta.put("label-names", JSON.writeValueAsString(labelNames));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode the memory's label names", e);
        }
        SafeTensors.write(file, t, meta);
    }

    /**
     * Loads a memory saved by {@link #save}. A file of another format, a newer version, a store
     * holding more slots than its capacity or tensors of the wrong shape is an error naming the file
     * and what was found.
     */
    public static MemoryState load(Path file) {
        SafeTensorsFile f = SafeTensors.read(file);
        Map<String, String> meta = f.metadata();
        String where = "memory file " + file;
        if (!FORMAT.equals(meta.get("format"))) throw new IllegalArgumentException(where + ": metadata format is '" + meta.get("format") + "', expected '" + FORMAT + "'; is this a memory saved by MemoryState.save?");
        int version = intOf(meta, "version", where);
        if (version > VERSION || version < 1) throw new IllegalArgumentException(where + ": format version " + version + " is not readable by this Metamorph (reads version " + VERSION + "); upgrade Metamorph");
        int capacity = intOf(meta, "capacity", where), kd = intOf(meta, "key-size", where), vd = intOf(meta, "value-size", where);
        int used = intOf(meta, "used", where);
        if (used < 0 || used > capacity) throw new IllegalArgumentException(where + ": " + used + " slots used but the capacity is " + capacity);
        EvictionPolicy policy = EvictionPolicy.parse(String.valueOf(meta.get("eviction")), where + " metadata 'eviction'");
        double decay;
        try {
            decay = Double.parseDouble(String.valueOf(meta.get("usage-decay")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": metadata 'usage-decay' is not a number: " + meta.get("usage-decay"));
        }
        MemoryState m = new MemoryState(capacity, kd, vd, policy, decay);
        int n = Math.max(used, 1);
        expect(f, "keys", TensorDtype.F64, new long[] {n, kd}, where);
        expect(f, "values", TensorDtype.F64, new long[] {n, vd}, where);
        expect(f, "labels", TensorDtype.I32, new long[] {n}, where);
        expect(f, "usage", TensorDtype.F64, new long[] {n}, where);
        expect(f, "written", TensorDtype.I64, new long[] {n}, where);
        List<String> names;
        try {
            names = JSON.readerForListOf(String.class).readValue(String.valueOf(meta.get("label-names")));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": metadata 'label-names' is not a JSON list of strings", e);
        }
        double[] k = f.getDoubles("keys"), v = f.getDoubles("values"), u = f.getDoubles("usage");
        double[] l = f.getDoubles("labels");
        long[] w = f.get("written").toLongVector();
        System.arraycopy(k, 0, m.keys, 0, used * kd);
        System.arraycopy(v, 0, m.values, 0, used * vd);
        System.arraycopy(u, 0, m.usage, 0, used);
        System.arraycopy(w, 0, m.written, 0, used);
        for (String name : names) m.labelId(name);
        for (int j = 0; j < used; j++) {
            int id = (int) l[j];
            if (id < 0 || id >= names.size()) throw new IllegalArgumentException(where + ": slot " + j + " has label index " + id + " but the file names " + names.size() + " labels");
            m.labels[j] = id;
        }
        m.used = used;
        m.step = longOf(meta, "step", where);
        return m;
    }

    private static void expect(SafeTensorsFile f, String name, TensorDtype dtype, long[] shape, String where) {
        if (!f.contains(name)) throw new IllegalArgumentException(where + ": tensor '" + name + "' is missing");
        if (f.dtype(name) != dtype || !Arrays.equals(f.shape(name), shape)) {
            throw new IllegalArgumentException(where + ": tensor '" + name + "' is " + f.dtype(name) + " " + Arrays.toString(f.shape(name)) + ", expected " + dtype + " " + Arrays.toString(shape));
        }
    }

    private static int intOf(Map<String, String> meta, String key, String where) {
        long v = longOf(meta, key, where);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw new IllegalArgumentException(where + ": metadata '" + key + "' = " + v + " is out of range");
        return (int) v;
    }

    private static long longOf(Map<String, String> meta, String key, String where) {
        String s = meta.get(key);
        if (s == null) throw new IllegalArgumentException(where + ": metadata '" + key + "' is missing");
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": metadata '" + key + "' is not an integer: '" + s + "'");
        }
    }
}
