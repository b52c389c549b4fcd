package dev.metamorph.core.io;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The element types of a safetensors file, with the code used in the header, the size of one
 * element in bytes and the ND4J type an element is read into.
 */
public enum TensorDtype {
    F64("F64", 8, DataType.DOUBLE),
    F32("F32", 4, DataType.FLOAT),
    F16("F16", 2, DataType.HALF),
    BF16("BF16", 2, DataType.BFLOAT16),
    I64("I64", 8, DataType.LONG),
    I32("I32", 4, DataType.INT),
    I16("I16", 2, DataType.SHORT),
    I8("I8", 1, DataType.BYTE),
    U8("U8", 1, DataType.UBYTE),
    BOOL("BOOL", 1, DataType.BOOL);

    private final String code;
    private final int byteSize;
    private final DataType nd4jType;

    TensorDtype(String code, int byteSize, DataType nd4jType) {
        this.code = code;
        this.byteSize = byteSize;
        this.nd4jType = nd4jType;
    }

    /** The code written in the header's {@code dtype} field, e.g. {@code "F32"}. */
    public String code() {
        return code;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The ND4J type that {@link SafeTensorsFile#get(String)} returns for this dtype. */
    public DataType nd4jType() {
        return nd4jType;
    }

    /** The dtype with header code {@code code} (case-sensitive, as in the format), if there is one. */
    public static Optional<TensorDtype> fromCode(String code) {
        for (TensorDtype d : values()) {
            if (d.code.equals(code)) return Optional.of(d);
        }
        return Optional.empty();
    }

    /** The dtype an ND4J array of type {@code type} is written as; empty for types the format cannot hold. */
    public static Optional<TensorDtype> of(DataType type) {
        for (TensorDtype d : values()) {
            if (d.nd4jType == type) return Optional.of(d);
        }
        return Optional.empty();
    }

    /** The header codes of all dtypes, for error messages: {@code F64, F32, ...}. */
    public static String knownCodes() {
        return Arrays.stream(values()).map(TensorDtype::code).collect(Collectors.joining(", "));
    }
}
