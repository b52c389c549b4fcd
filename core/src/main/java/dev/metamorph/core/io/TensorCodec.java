package dev.metamorph.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Converts between ND4J arrays and the little-endian, row-major bytes of a safetensors data buffer.
 * Views and arrays in Fortran order are copied to C order first.
 */
final class TensorCodec {
    private static final int CHUNK_BYTES = 1 << 16;

    private TensorCodec() {}

    /** {@code array} with its elements laid out contiguously in C order from offset 0 (itself when it already is). */
    static INDArray contiguousC(INDArray array) {
        if (array.isEmpty()) return array;
        if (array.offset() == 0 && array.data().length() == array.length() && hasCStrides(array)) return array;
        return array.dup('c');
    }

    private static boolean hasCStrides(INDArray array) {
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Writes the elements of {@code array} (already contiguous C order, see {@link #contiguousC}) as {@code dtype}. */
    static void write(INDArray array, TensorDtype dtype, WritableByteChannel out) throws IOException {
        if (array.length() == 0) return;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F64 -> {
                for (double v : array.data().asDouble()) { flushIfFull(buf, 8, out); buf.putDouble(v); }
            }
            case F32 -> {
                for (float v : array.data().asFloat()) { flushIfFull(buf, 4, out); buf.putFloat(v); }
            }
            case F16 -> {
                for (float v : array.data().asFloat()) { flushIfFull(buf, 2, out); buf.putShort(HalfFloats.floatToHalf(v)); }
            }
            case BF16 -> {
                for (float v : array.data().asFloat()) { flushIfFull(buf, 2, out); buf.putShort(HalfFloats.floatToBfloat16(v)); }
            }
            case I64 -> {
                for (long v : array.data().asLong()) { flushIfFull(buf, 8, out); buf.putLong(v); }
            }
            case I32 -> {
                for (int v : array.data().asInt()) { flushIfFull(buf, 4, out); buf.putInt(v); }
            }
            case I16 -> {
                for (int v : array.data().asInt()) { flushIfFull(buf, 2, out); buf.putShort((short) v); }
            }
            case I8, U8 -> {
                for (int v : array.data().asInt()) { flushIfFull(buf, 1, out); buf.put((byte) v); }
            }
            case BOOL -> {
                for (int v : array.data().asInt()) { flushIfFull(buf, 1, out); buf.put((byte) (v != 0 ? 1 : 0)); }
            }
            default -> throw new IllegalStateException("Unhandled dtype " + dtype);
        }
        buf.flip();
        writeFully(buf, out);
    }

    private static void flushIfFull(ByteBuffer buf, int next, WritableByteChannel out) throws IOException {
        if (buf.remaining() < next) {
            buf.flip();
            writeFully(buf, out);
            buf.clear();
        }
    }

    static void writeFully(ByteBuffer buf, WritableByteChannel out) throws IOException {
        dev.metamorph.core.run.AtomicFiles.writeFully(buf, out);
    }

    /** The elements in {@code data} (little-endian, exactly {@code info.byteLength()} bytes) as doubles. */
    static double[] toDoubles(TensorInfo info, ByteBuffer data) {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = elementCount(info);
        double[] out = new double[n];
        switch (info.dtype()) {
            case F64 -> b.asDoubleBuffer().get(out);
            case F32 -> { for (int i = 0; i < n; i++) out[i] = b.getFloat(); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = HalfFloats.halfToFloat(b.getShort()); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = HalfFloats.bfloat16ToFloat(b.getShort()); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(); }
            case U8 -> { for (int i = 0; i < n; i++) out[i] = b.get() & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get() != 0 ? 1 : 0; }
            default -> throw new IllegalStateException("Unhandled dtype " + info.dtype());
        }
        return out;
    }

    /**
     * Elements {@code [from, from + count)} of a floating-point tensor (F64, F32, F16, BF16) as
     * floats, read straight from {@code data} without copying the rest (F64 is rounded to float).
     */
    static float[] toFloats(TensorInfo info, ByteBuffer data, long from, int count) {
        if (from < 0 || count < 0 || from + count > info.elements()) {
            throw new IndexOutOfBoundsException("Cannot read elements [" + from + ", " + (from + count) + ") of tensor '"
                    + info.name() + "', which has " + info.elements() + " elements");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long start = from * info.dtype().byteSize();
        if (start > Integer.MAX_VALUE) throw new IllegalArgumentException("Tensor '" + info.name() + "' is too large to read at element " + from);
        b.position((int) start);
        float[] out = new float[count];
        switch (info.dtype()) {
            case F64 -> { for (int i = 0; i < count; i++) out[i] = (float) b.getDouble(); }
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> { for (int i = 0; i < count; i++) out[i] = HalfFloats.halfToFloat(b.getShort()); }
            case BF16 -> { for (int i = 0; i < count; i++) out[i] = HalfFloats.bfloat16ToFloat(b.getShort()); }
            default -> throw new IllegalArgumentException("Tensor '" + info.name() + "' has dtype " + info.dtype().code()
                    + "; a float read needs F64, F32, F16 or BF16 (use getDoubles for integer tensors)");
        }
        return out;
    }

    /** The tensor in {@code data} as a new C-order ND4J array of type {@code info.dtype().nd4jType()}. */
    static INDArray toArray(TensorInfo info, ByteBuffer data) {
        long[] shape = info.shapeArray();
        DataType type = info.dtype().nd4jType();
        if (info.elements() == 0) return Nd4j.create(type, shape);
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = elementCount(info);
        INDArray flat = switch (info.dtype()) {
            case F64 -> {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case F32 -> {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case F16, BF16 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    short s = b.getShort();
                    v[i] = info.dtype() == TensorDtype.F16 ? HalfFloats.halfToFloat(s) : HalfFloats.bfloat16ToFloat(s);
                }
                yield Nd4j.createFromArray(v).castTo(type);
            }
            case I64 -> {
                long[] v = new long[n];
                b.asLongBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case I32 -> {
                int[] v = new int[n];
                b.asIntBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case I16 -> {
                short[] v = new short[n];
                b.asShortBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case I8 -> {
                byte[] v = new byte[n];
                b.get(v);
                yield Nd4j.createFromArray(v);
            }
            case U8 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) v[i] = (short) (b.get() & 0xff);
                yield Nd4j.createFromArray(v).castTo(type);
            }
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) v[i] = b.get() != 0;
                yield Nd4j.createFromArray(v);
            }
        };
        return flat.reshape('c', shape);
    }

    private static int elementCount(TensorInfo info) {
        long n = info.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Tensor '" + info.name() + "' has " + n
                    + " elements, more than a Java array holds; read it in parts or split it when writing");
        }
        return (int) n;
    }
}
