package dev.metamorph.core.io;

import static dev.metamorph.core.io.TensorBits.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the fixtures written by {@code src/test/resources/safetensors/make_fixtures.py} (Python
 * standard library + numpy, following the Hugging Face layout) and checks that Metamorph writes
 * the same tensors to the same bytes.
 */
class SafeTensorsReferenceFileTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SafeTensorsReferenceFileTest.class.getResource("/safetensors/" + name).toURI());
    }

    /** The tensors of reference.safetensors, in its data order, as make_fixtures.py defines them. */
    private static Map<String, INDArray> referenceTensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("embed.weight", Nd4j.createFromArray(new float[] {1.5f, -2.25f, 0.1f, 3.4028235e38f, -0.0f, 1e-40f}).reshape('c', 2, 3));
        t.put("scale", Nd4j.scalar(Math.PI));
        t.put("ids", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}));
        t.put("counts", Nd4j.createFromArray(new int[] {1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE}).reshape('c', 2, 2));
        t.put("half", Nd4j.createFromArray(new float[] {1f, -0.5f, 65504f, 0x1p-24f}).castTo(DataType.HALF));
        t.put("bhalf", Nd4j.createFromArray(new float[] {1f, -2.5f, 0.15625f}).castTo(DataType.BFLOAT16));
        t.put("short", Nd4j.createFromArray(new short[] {Short.MIN_VALUE, Short.MAX_VALUE}));
        t.put("tiny", Nd4j.createFromArray(new byte[] {-128, 0, 127}));
        t.put("bytes", Nd4j.createFromArray(new int[] {0, 128, 255}).castTo(DataType.UBYTE));
        t.put("mask", Nd4j.createFromArray(new boolean[] {true, false, false, true}).reshape('c', 2, 2));
        t.put("empty", Nd4j.create(DataType.FLOAT, 0, 4));
        return t;
    }

    @Test
    void readsEveryDtypeOfTheReferenceFile() throws Exception {
        SafeTensorsFile f = SafeTensors.read(resource("reference.safetensors"));
        Map<String, INDArray> expected = referenceTensors();
        assertEquals(List.copyOf(expected.keySet()), f.names());
        assertEquals(Map.of("format", "pt", "note", "d\u00e9j\u00e0 vu"), f.metadata());
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            assertBitwiseEqual(e.getKey(), e.getValue(), f.get(e.getKey()));
        }
        assertEquals(List.of(TensorDtype.F32, TensorDtype.F64, TensorDtype.I64, TensorDtype.I32, TensorDtype.F16,
                TensorDtype.BF16, TensorDtype.I16, TensorDtype.I8, TensorDtype.U8, TensorDtype.BOOL, TensorDtype.F32),
                f.names().stream().map(f::dtype).toList());
        assertArrayEquals(new long[0], f.shape("scale"));
        assertArrayEquals(new long[] {0, 4}, f.shape("empty"));
        assertArrayEquals(new double[] {Math.PI}, f.getDoubles("scale"));
        assertArrayEquals(new double[] {1, -0.5, 65504, 0x1p-24}, f.getDoubles("half"));
        assertArrayEquals(new double[] {1, -2.5, 0.15625}, f.getDoubles("bhalf"));
        assertArrayEquals(new double[] {-128, 0, 127}, f.getDoubles("tiny"));
        assertArrayEquals(new double[] {0, 128, 255}, f.getDoubles("bytes"));
        assertArrayEquals(new double[] {1, 0, 0, 1}, f.getDoubles("mask"));
        assertEquals(0.1f, f.get("embed.weight").getFloat(0, 2));
    }

    @Test
    void writesTheSameBytesAsTheReferenceLayout(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("same.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "d\u00e9j\u00e0 vu");
        SafeTensors.write(file, referenceTensors(), meta);
        assertArrayEquals(Files.readAllBytes(resource("reference.safetensors")), Files.readAllBytes(file));
    }

    @Test
    void acceptsHeaderKeysOutOfDataOrderSpacedJsonAndNoPadding() throws Exception {
        SafeTensorsFile f = SafeTensors.read(resource("unordered.safetensors"));
        assertEquals(List.of("a", "b", "z"), f.names());
        assertEquals(Map.of(), f.metadata());
        assertArrayEquals(new double[] {42}, f.getDoubles("a"));
        assertArrayEquals(new double[] {0.25, -8}, f.getDoubles("b"));
        assertEquals(8, f.info("b").byteLength());
        assertEquals(0, f.get("z").length());
        assertEquals(DataType.DOUBLE, f.get("z").dataType());
    }
}
