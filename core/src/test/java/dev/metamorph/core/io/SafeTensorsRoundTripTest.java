package dev.metamorph.core.io;

import static dev.metamorph.core.io.TensorBits.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafeTensorsRoundTripTest {

    private static Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("w.float", Nd4j.createFromArray(new float[] {1.5f, -0.0f, Float.intBitsToFloat(0x7fc00123), Float.MIN_VALUE,
                Float.MAX_VALUE, Float.NEGATIVE_INFINITY}).reshape('c', 2, 3));
        t.put("w.double", Nd4j.createFromArray(new double[] {Math.PI, -1e-310, Double.longBitsToDouble(0x7ff8000000000abcL), 7})
                .reshape('c', 2, 1, 2));
        t.put("ints", Nd4j.createFromArray(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}));
        t.put("longs", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, 1L << 60, Long.MAX_VALUE}).reshape('c', 3, 1));
        t.put("scalar", Nd4j.scalar(2.75));
        t.put("empty", Nd4j.create(DataType.FLOAT, 0, 4));
        INDArray base = Nd4j.createFromArray(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}).reshape('c', 3, 4);
        t.put("view.transposed", base.transpose());
        t.put("view.column", base.getColumn(2));
        t.put("view.block", base.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)));
        t.put("fortran", Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'f'));
        t.put("half", Nd4j.createFromArray(new float[] {1f, -0.5f, 65504f, 0x1p-24f}).castTo(DataType.HALF));
        t.put("bfloat", Nd4j.createFromArray(new float[] {1f, -2.5f, 0.15625f, 3.3895314e38f}).castTo(DataType.BFLOAT16));
        t.put("shorts", Nd4j.createFromArray(new short[] {Short.MIN_VALUE, 0, Short.MAX_VALUE}));
        t.put("bytes", Nd4j.createFromArray(new byte[] {Byte.MIN_VALUE, 0, Byte.MAX_VALUE}));
        t.put("ubytes", Nd4j.createFromArray(new int[] {0, 128, 255}).castTo(DataType.UBYTE));
        t.put("mask", Nd4j.createFromArray(new boolean[] {true, false, false, true}).reshape('c', 2, 2));
        return t;
    }

    @Test
    void everyTensorComesBackBitForBitWithNamesInOrderAndMetadata(@TempDir Path dir) {
        Map<String, INDArray> in = tensors();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "metamorph-adapter");
        meta.put("note", "d\u00e9j\u00e0 vu \"quoted\" \\ \n");
        Path file = dir.resolve("adapter.safetensors");
        SafeTensors.write(file, in, meta);

        SafeTensorsFile f = SafeTensors.read(file);
        assertEquals(List.copyOf(in.keySet()), f.names());
        assertEquals(meta, f.metadata());
        assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keySet()));
        for (Map.Entry<String, INDArray> e : in.entrySet()) {
            assertBitwiseEqual(e.getKey(), e.getValue(), f.get(e.getKey()));
            assertArrayEquals(e.getValue().shape(), f.shape(e.getKey()), e.getKey());
        }
        assertEquals(TensorDtype.F32, f.dtype("w.float"));
        assertEquals(TensorDtype.F16, f.dtype("half"));
        assertEquals(TensorDtype.U8, f.dtype("ubytes"));
        assertEquals(0, f.get("scalar").rank());
        assertArrayEquals(new double[] {1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12}, f.getDoubles("view.transposed"));
        assertArrayEquals(new double[] {3, 7, 11}, f.getDoubles("view.column"));
        assertArrayEquals(new double[] {6, 7, 10, 11}, f.getDoubles("view.block"));
        assertArrayEquals(new double[] {1, 3, 5, 2, 4, 6}, f.getDoubles("fortran"));
        assertArrayEquals(new double[] {0, 128, 255}, f.getDoubles("ubytes"));
        assertArrayEquals(new double[] {1, 0, 0, 1}, f.getDoubles("mask"));
        assertArrayEquals(new double[] {1, -0.5, 65504, 0x1p-24}, f.getDoubles("half"));
        assertArrayEquals(new double[0], f.getDoubles("empty"));
    }

    @Test
    void headerIsPaddedSoDataStartsEightByteAlignedAndKeysKeepTheCallersOrder(@TempDir Path dir) throws Exception {
        Map<String, INDArray> in = new LinkedHashMap<>();
        in.put("zeta", Nd4j.createFromArray(new float[] {1, 2}));
        in.put("alpha", Nd4j.createFromArray(new double[] {3}));
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, in, Map.of());
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data start must be 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"zeta\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"alpha\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}}", header.stripTrailing());
        assertEquals(8 + n + 16, bytes.length);
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 16).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1f, data.getFloat());
        assertEquals(2f, data.getFloat());
        assertEquals(3.0, data.getDouble());
    }

    @Test
    void overwritingReplacesTheFileAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/memory.safetensors");
        SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(new int[] {1, 2, 3})), null);
        SafeTensors.write(file, Map.of("b", Nd4j.createFromArray(new long[] {4})), Map.of("v", "2"));
        SafeTensorsFile f = SafeTensors.read(file);
        assertEquals(List.of("b"), f.names());
        assertEquals(Map.of("v", "2"), f.metadata());
        assertArrayEquals(new double[] {4}, f.getDoubles("b"));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void noTensorsGivesAValidFile(@TempDir Path dir) {
        Path file = dir.resolve("none.safetensors");
        SafeTensors.write(file, Map.of(), Map.of("k", "v"));
        SafeTensorsFile f = SafeTensors.read(file);
        assertTrue(f.names().isEmpty());
        assertEquals(Map.of("k", "v"), f.metadata());
    }

    @Test
    void rejectsNamesAndTypesTheFormatCannotHold(@TempDir Path dir) {
        Path file = dir.resolve("bad.safetensors");
        INDArray ok = Nd4j.createFromArray(new float[] {1});
        var empty = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("", ok), null));
        assertTrue(empty.getMessage().contains("non-empty"), empty.getMessage());
        var reserved = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of("__metadata__", ok), null));
        assertTrue(reserved.getMessage().contains("reserved"), reserved.getMessage());
        INDArray unsigned = Nd4j.createFromArray(new int[] {1, 2}).castTo(DataType.UINT32);
        var type = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("u", unsigned), null));
        assertTrue(type.getMessage().contains("'u'") && type.getMessage().contains("UINT32")
                && type.getMessage().contains("castTo"), type.getMessage());
        assertTrue(Files.notExists(file));
    }

    @Test
    void unknownTensorNameListsWhatTheFileHolds(@TempDir Path dir) {
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, Map.of("present", Nd4j.createFromArray(new float[] {1})), null);
        SafeTensorsFile f = SafeTensors.read(file);
        var e = assertThrows(IllegalArgumentException.class, () -> f.get("absent"));
        assertTrue(e.getMessage().contains("'absent'") && e.getMessage().contains("present")
                && e.getMessage().contains(file.toString()), e.getMessage());
    }
}
