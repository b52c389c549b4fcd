package dev.metamorph.core.learn;

import java.util.List;

/**
 * One named, contiguous range {@code [offset, offset + length)} of the flat parameter vector,
 * with the shape the model reshapes it to (row-major).
 */
public record ParamGroup(String name, long offset, long length, List<Long> shape) {
    public ParamGroup {
        shape = List.copyOf(shape);
        long n = 1;
        for (long s : shape) n *= s;
        if (n != length) throw new IllegalArgumentException("Parameter group '" + name + "': shape " + shape + " holds " + n + " values, not " + length);
        if (offset < 0) throw new IllegalArgumentException("Parameter group '" + name + "': negative offset " + offset);
    }

    public long end() {
        return offset + length;
    }

    public long[] shapeArray() {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }
}
