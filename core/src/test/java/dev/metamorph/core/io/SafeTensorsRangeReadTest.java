package dev.metamorph.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafeTensorsRangeReadTest {

    @Test
    void aRangeOfAFloatTensorEqualsTheSameElementsOfTheWholeTensorForEveryFloatDtype(@TempDir Path dir) {
        float[] v = {0.5f, -1.25f, 3f, 1e-3f, 7.75f, -2f, 65504f, 0.1f};
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("f32", Nd4j.createFromArray(v).reshape('c', 2, 4));
        t.put("f16", Nd4j.createFromArray(v).castTo(DataType.HALF).reshape('c', 4, 2));
        t.put("bf16", Nd4j.createFromArray(v).castTo(DataType.BFLOAT16));
        t.put("f64", Nd4j.createFromArray(v).castTo(DataType.DOUBLE));
        t.put("ints", Nd4j.createFromArray(new int[] {1, 2}));
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, t, Map.of());
        SafeTensorsFile f = SafeTensors.read(file);
        for (String name : new String[] {"f32", "f16", "bf16", "f64"}) {
            double[] all = f.getDoubles(name);
            float[] part = f.getFloats(name, 3, 4);
            float[] expected = new float[4];
            for (int i = 0; i < 4; i++) expected[i] = (float) all[3 + i];
            assertArrayEquals(expected, part, name);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> f.getFloats("f32", 6, 3));
        assertThrows(IllegalArgumentException.class, () -> f.getFloats("ints", 0, 1));
    }
}
