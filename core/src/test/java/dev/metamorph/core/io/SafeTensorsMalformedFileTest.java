package dev.metamorph.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rule of the format, broken once; each error names the file, the tensor and the problem. */
class SafeTensorsMalformedFileTest {
    @TempDir
    Path dir;

    private static byte[] bytes(long headerLength, byte[] header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
        out.writeBytes(header);
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    private static byte[] bytes(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return bytes(h.length, h, dataBytes);
    }

    private SafeTensorsFormatException fails(byte[] content, String... expectedInMessage) throws Exception {
        Path file = Files.write(dir.resolve("broken.safetensors"), content);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("write it again"), e.getMessage());
        for (String s : expectedInMessage) assertTrue(e.getMessage().contains(s), "missing '" + s + "' in: " + e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void aValidHandBuiltFileReads() throws Exception {
        Path file = Files.write(dir.resolve("ok.safetensors"),
                bytes("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "I8", "[3]", 8, 11) + "}", 11));
        assertEquals(java.util.List.of("a", "b"), SafeTensors.read(file).names());
    }

    @Test
    void truncatedBeforeTheLengthField() throws Exception {
        assertNull(fails(new byte[] {1, 0, 0}, "truncated", "3 bytes").tensor());
    }

    @Test
    void truncatedHeader() throws Exception {
        byte[] full = bytes("{" + entry("a", "F32", "[2]", 0, 8) + "}", 8);
        byte[] cut = java.util.Arrays.copyOf(full, 20);
        fails(cut, "truncated", "only 12 bytes follow");
    }

    @Test
    void truncatedData() throws Exception {
        byte[] full = bytes("{" + entry("a", "F32", "[2]", 0, 8) + "}", 8);
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        assertEquals("a", fails(cut, "out of range", "holds only 5 bytes").tensor());
    }

    @Test
    void headerTooBig() throws Exception {
        fails(bytes(200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), 0), "header too big", "200000000");
        fails(bytes(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0), "header too big", "18446744073709551615");
    }

    @Test
    void badJson() throws Exception {
        fails(bytes("{\"a\":{\"dtype\":\"F32\",", 0), "not valid JSON", "line 1");
        fails(bytes("{\"a\":1} x", 0), "not valid JSON");
        fails(bytes("[1,2]", 0), "must be a JSON object", "array");
    }

    @Test
    void headerThatIsNotUtf8() throws Exception {
        byte[] h = "{\"\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1);
        fails(bytes(h.length, h, 0), "not valid UTF-8");
    }

    @Test
    void duplicateKeys() throws Exception {
        fails(bytes("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}", 8),
                "duplicate key", "'a'");
    }

    @Test
    void unknownDtype() throws Exception {
        assertEquals("w", fails(bytes("{" + entry("w", "F8_E4M3", "[4]", 0, 4) + "}", 4),
                "unknown dtype \"F8_E4M3\"", "F32").tensor());
    }

    @Test
    void offsetsOutOfRange() throws Exception {
        assertEquals("w", fails(bytes("{" + entry("w", "F32", "[4]", 0, 16) + "}", 8), "out of range", "[0, 16]").tensor());
        fails(bytes("{" + entry("w", "F32", "[1]", 8, 4) + "}", 8), "begin after they end");
        fails(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "data_offsets", "2 numbers");
        fails(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4), "non-negative integers");
    }

    @Test
    void sizeMismatch() throws Exception {
        assertEquals("w", fails(bytes("{" + entry("w", "F64", "[2,3]", 0, 24) + "}", 24),
                "size mismatch", "span 24 bytes", "needs 6 x 8 = 48 bytes").tensor());
        fails(bytes("{" + entry("s", "F32", "[]", 0, 0) + "}", 0), "size mismatch", "needs 1 x 4 = 4 bytes");
        fails(bytes("{" + entry("e", "F32", "[0,3]", 0, 4) + "}", 4), "size mismatch", "needs 0 x 4 = 0 bytes");
    }

    @Test
    void overlap() throws Exception {
        SafeTensorsFormatException e = fails(bytes("{" + entry("a", "F32", "[2]", 0, 8) + ","
                + entry("b", "F32", "[2]", 4, 12) + "}", 12), "overlap", "'a'");
        assertEquals("b", e.tensor());
        fails(bytes("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("z", "F32", "[0]", 4, 4) + "}", 8), "overlap");
    }

    @Test
    void gap() throws Exception {
        assertEquals("b", fails(bytes("{" + entry("a", "F32", "[1]", 0, 4) + ","
                + entry("b", "F32", "[1]", 8, 12) + "}", 12), "gap", "4 bytes at [4, 8)").tensor());
        fails(bytes("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8), "gap", "[0, 4)");
        fails(bytes("{" + entry("a", "F32", "[1]", 0, 4) + "}", 6), "gap", "last 2 bytes");
    }

    @Test
    void namesMustBeNonEmpty() throws Exception {
        fails(bytes("{" + entry("", "F32", "[1]", 0, 4) + "}", 4), "non-empty");
    }

    @Test
    void malformedEntriesAndMetadata() throws Exception {
        fails(bytes("{\"w\":[1]}", 0), "must be an object");
        fails(bytes("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "\"dtype\" is missing");
        fails(bytes("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "\"shape\" is missing");
        fails(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "non-negative integers");
        fails(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), "non-negative integers");
        fails(bytes("{\"__metadata__\":{\"k\":3}}", 0), "__metadata__", "'k'", "must be a string");
        fails(bytes("{\"__metadata__\":[\"k\"]}", 0), "__metadata__", "object of strings");
        fails(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 4),
                "more elements than a file can hold");
    }

    @Test
    void missingFileSaysSo() {
        Path file = dir.resolve("nowhere.safetensors");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("does not exist"), e.getMessage());
    }
}
