package dev.metamorph.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Bulk copies between ND4J arrays the encoder owns (contiguous, c-order, own buffer) and Java
 * {@code double[]} working arrays, through the native buffer's NIO view (no per-element JNI).
 * Float arrays are widened on read and rounded on write, and a value that rounds below
 * {@link Float#MIN_NORMAL} in magnitude is written as zero (subnormal float inputs made a gemm 130x
 * slower on one Intel host; vanishing gradients produce them); double arrays copy as they are.
 */
final class HostArrays {
    private final float[] scratch;

    /** {@code capacity}: the largest array (in elements) this instance copies. */
    HostArrays(long capacity) {
        this.scratch = new float[Math.toIntExact(capacity)];
    }

    /** Copies all of {@code a} into {@code dst[0 .. a.length())}. */
    void read(INDArray a, double[] dst) {
        int n = checked(a, dst.length);
        if (a.dataType() == DataType.DOUBLE) {
            a.data().asNioDouble().get(0, dst, 0, n);
        } else {
            a.data().asNioFloat().get(0, scratch, 0, n);
            for (int i = 0; i < n; i++) dst[i] = scratch[i];
        }
    }

    /** Copies {@code src[0 .. a.length())} into all of {@code a}. */
    void write(double[] src, INDArray a) {
        int n = checked(a, src.length);
        if (a.dataType() == DataType.DOUBLE) {
            a.data().asNioDouble().put(0, src, 0, n);
        } else {
            for (int i = 0; i < n; i++) scratch[i] = flushed(src[i]);
            a.data().asNioFloat().put(0, scratch, 0, n);
        }
    }

    /** Writes {@code src} into the entries {@code [offset, offset + src.length)} of a flat array the encoder owns. */
    static void writeAt(INDArray flat, long offset, double[] src) {
        if (!own(flat)) throw new IllegalStateException("writeAt needs an own contiguous buffer");
        int at = Math.toIntExact(offset);
        if (flat.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = flat.data().asNioDouble();
            b.put(at, src, 0, src.length);
        } else {
            FloatBuffer b = flat.data().asNioFloat();
            for (int i = 0; i < src.length; i++) b.put(at + i, flushed(src[i]));
        }
    }

    /** {@code v} rounded to float, or zero when the result is subnormal. */
    static float flushed(double v) {
        float f = (float) v;
        return Math.abs(f) < Float.MIN_NORMAL ? 0f : f;
    }

    /**
     * Sets the subnormal entries of a float array (a gemm or softmax result) to zero, in one native
     * op; double arrays are left alone.
     */
    static void flushSubnormals(INDArray a) {
        if (a.dataType() == DataType.FLOAT) BooleanIndexing.replaceWhere(a, 0.0, Conditions.absLessThan(Float.MIN_NORMAL));
    }

    /** A whole, c-ordered array over its own buffer (not a view), so buffer index i is element i. */
    private static boolean own(INDArray a) {
        return a.offset() == 0 && a.ordering() == 'c' && a.data().length() == a.length();
    }

    /**
     * Writes {@code rows} rows of {@code rowLength} values from {@code src} into a flat array the
     * encoder owns, row r starting at entry {@code offsets[r]} (one buffer view for all rows).
     */
    static void writeRows(INDArray flat, long[] offsets, int rows, double[] src, int rowLength) {
        if (!own(flat)) throw new IllegalStateException("writeRows needs an own contiguous buffer");
        if (flat.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = flat.data().asNioDouble();
            for (int r = 0; r < rows; r++) b.put(Math.toIntExact(offsets[r]), src, r * rowLength, rowLength);
        } else {
            FloatBuffer b = flat.data().asNioFloat();
            for (int r = 0; r < rows; r++) {
                int at = Math.toIntExact(offsets[r]);
                for (int e = 0; e < rowLength; e++) b.put(at + e, flushed(src[r * rowLength + e]));
            }
        }
    }

    private int checked(INDArray a, int javaLength) {
        if (!own(a)) throw new IllegalStateException("HostArrays copies whole own buffers only");
        int n = Math.toIntExact(a.length());
        if (n > javaLength || (a.dataType() != DataType.DOUBLE && n > scratch.length)) {
            throw new IllegalStateException("array of " + n + " elements does not fit a working array of " + javaLength);
        }
        return n;
    }
}
