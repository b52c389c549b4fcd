package dev.metamorph.core.io;

import java.util.List;

/**
 * One tensor's entry in a safetensors header: its name, element type, shape and the byte range
 * {@code [begin, end)} of its data, relative to the start of the data buffer after the header.
 *
 * @param name non-empty tensor name
 * @param dtype element type
 * @param shape dimensions, outermost first; empty for a scalar
 * @param begin offset of the first byte of data
 * @param end offset one past the last byte of data
 */
public record TensorInfo(String name, TensorDtype dtype, List<Long> shape, long begin, long end) {
    public TensorInfo {
        shape = List.copyOf(shape);
    }

    /** The shape as an array (a fresh copy). */
    public long[] shapeArray() {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    /** Number of elements: the product of the shape, 1 for a scalar, 0 if any dimension is 0. */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Number of data bytes, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }
}
