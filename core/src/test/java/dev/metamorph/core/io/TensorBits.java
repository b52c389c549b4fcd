package dev.metamorph.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Compares ND4J arrays bit for bit (NaN payloads and signed zeros included). */
final class TensorBits {
    private TensorBits() {}

    static long[] bits(INDArray a) {
        INDArray c = a.dup('c');
        if (c.length() == 0) return new long[0];
        return switch (a.dataType()) {
            case DOUBLE -> java.util.Arrays.stream(c.data().asDouble()).mapToLong(Double::doubleToRawLongBits).toArray();
            case FLOAT, HALF, BFLOAT16 -> {
                float[] f = c.data().asFloat();
                long[] out = new long[f.length];
                for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]);
                yield out;
            }
            case LONG -> c.data().asLong();
            default -> java.util.Arrays.stream(c.data().asInt()).asLongStream().toArray();
        };
    }

    static void assertBitwiseEqual(String name, INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType(), name + " dtype");
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        assertArrayEquals(bits(expected), bits(actual), name + " contents");
    }
}
