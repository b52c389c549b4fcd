package dev.metamorph.core.io;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The contents of a safetensors file that {@link SafeTensors#read} has checked: tensor names,
 * dtypes, shapes, metadata, and the data, which stays memory-mapped read-only and is copied into a
 * new array on each {@link #get} or {@link #getDoubles}. Nothing needs closing; the mapping is
 * released when this object is garbage-collected. Safe to read from several threads.
 */
public final class SafeTensorsFile {
    private final Path file;
    private final SafeTensorsHeader header;
    private final Map<String, TensorInfo> byName;
    private final Map<String, ByteBuffer> data;

    SafeTensorsFile(Path file, SafeTensorsHeader header, Map<String, ByteBuffer> data) {
        this.file = file;
        this.header = header;
        this.byName = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) byName.put(t.name(), t);
        this.data = Map.copyOf(data);
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** Tensor names in the order of the file's header (for files Metamorph writes, the order they were given in). */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** Whether the file holds a tensor called {@code name}. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The {@code __metadata__} string map in header order; empty when the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The header entry of tensor {@code name}. */
    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            List<String> names = new ArrayList<>(byName.keySet());
            String shown = names.stream().limit(20).collect(Collectors.joining(", "));
            throw new IllegalArgumentException("No tensor '" + name + "' in " + file + "; it holds " + names.size()
                    + " tensors: " + shown + (names.size() > 20 ? ", ..." : "") + ". Check the name or the file.");
        }
        return t;
    }

    /** The element type of tensor {@code name}. */
    public TensorDtype dtype(String name) {
        return info(name).dtype();
    }

    /** The shape of tensor {@code name} (a fresh array; empty for a scalar). */
    public long[] shape(String name) {
        return info(name).shapeArray();
    }

    /**
     * Tensor {@code name} as a new C-order array the caller owns, of type
     * {@code dtype(name).nd4jType()} (F16 as HALF, BF16 as BFLOAT16, U8 as UBYTE).
     */
    public INDArray get(String name) {
        TensorInfo t = info(name);
        return TensorCodec.toArray(t, data.get(name));
    }

    /**
     * Tensor {@code name}'s elements in C order as doubles (BOOL as 0/1; I64 values beyond 2^53 are
     * rounded). Does not touch ND4J.
     */
    public double[] getDoubles(String name) {
        TensorInfo t = info(name);
        return TensorCodec.toDoubles(t, data.get(name));
    }

    /**
     * Elements {@code [from, from + count)} (C order) of floating-point tensor {@code name} as
     * floats, read from the mapping without copying the rest of the tensor: what a reader of one
     * row of a large tensor needs. F16 and BF16 are widened exactly; F64 is rounded.
     *
     * @throws IndexOutOfBoundsException if the range is outside the tensor
     * @throws IllegalArgumentException if the tensor is not F64, F32, F16 or BF16
     */
    public float[] getFloats(String name, long from, int count) {
        TensorInfo t = info(name);
        return TensorCodec.toFloats(t, data.get(name), from, count);
    }
}
