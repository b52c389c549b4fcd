package dev.metamorph.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/read_safetensors.py holds the same rules as the Java reader: every file the Java reader
 * refuses, the script refuses with one line naming the rule (exit 1, no traceback), and it reads
 * what the Java reader reads. Needs python3 (CI installs it).
 */
class ReadSafetensorsScriptTest {
    static final Path SCRIPT = Path.of("..", "scripts", "read_safetensors.py").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {}

    private Outcome script(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", SCRIPT.toString(), file.toString()).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script finished");
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(dir.resolve(name + ".safetensors"), b.array());
    }

    @Test
    void everyFileTheJavaReaderRefusesTheScriptRefusesWithAMessage() throws Exception {
        Map<String, String[]> cases = new LinkedHashMap<>();
        String ok = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";
        cases.put("entry-not-object", new String[] {"{\"a\":5}", "the entry must be an object"});
        cases.put("dtype-missing", new String[] {"{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "\"dtype\" is missing"});
        cases.put("dtype-unknown", new String[] {"{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype"});
        cases.put("shape-float", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", "non-negative integers"});
        cases.put("shape-bool", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[true,2],\"data_offsets\":[0,8]}}", "non-negative integers"});
        cases.put("shape-negative", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "non-negative integers"});
        cases.put("shape-nan", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,8]}}", "not valid JSON"});
        cases.put("offsets-one", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", "must have 2 numbers"});
        cases.put("offsets-string", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\"0-8\"}}", "not an array"});
        cases.put("offsets-reversed", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", "begin after they end"});
        cases.put("offsets-huge", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", "non-negative integers"});
        cases.put("shape-overflow", new String[] {"{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", "more elements than a file can hold"});
        cases.put("size-mismatch", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "size mismatch"});
        cases.put("duplicate", new String[] {"{\"a\":{" + ok + "},\"a\":{" + ok + "}}", "duplicate key"});
        cases.put("trailing", new String[] {"{\"a\":{" + ok + "}} x", "not valid JSON"});
        cases.put("not-object", new String[] {"[1,2]", "must be a JSON object"});
        cases.put("metadata-number", new String[] {"{\"__metadata__\":{\"k\":1},\"a\":{" + ok + "}}", "must be a string"});
        cases.put("metadata-list", new String[] {"{\"__metadata__\":[1],\"a\":{" + ok + "}}", "must be an object of strings"});
        cases.put("deep", new String[] {"[".repeat(100_000), "not valid JSON"});
        cases.put("gap", new String[] {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "gap"});
        cases.put("overlap", new String[] {"{\"a\":{" + ok + "},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "overlap"});
        cases.put("bad-utf8", new String[] {"{\"\u00e9\":1}", "not valid UTF-8"});
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            Path f = file(c.getKey(), c.getValue()[0], new byte[8]);
            if (c.getKey().equals("bad-utf8")) {
                byte[] bytes = Files.readAllBytes(f);
                for (int i = 8; i < bytes.length; i++) if (bytes[i] == (byte) 0xc3) bytes[i + 1] = (byte) 0x28;
                Files.write(f, bytes);
            }
            assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(f), c.getKey() + ": the Java reader refuses it");
            Outcome o = script(f);
            assertEquals(1, o.code(), c.getKey() + ": " + o.err());
            assertFalse(o.err().contains("Traceback"), c.getKey() + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), c.getKey() + ": one line: " + o.err());
            assertTrue(o.err().startsWith(f + ": invalid safetensors file:") && o.err().contains(c.getValue()[1]), c.getKey() + ": " + o.err());
        }
    }

    @Test
    void truncatedAndMissingFilesGetMessages() throws Exception {
        Path shortFile = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3});
        Outcome o = script(shortFile);
        assertEquals(1, o.code());
        assertTrue(o.err().contains("truncated: the file has 3 bytes"), o.err());
        Path bigHeader = Files.write(dir.resolve("big.safetensors"), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(bigHeader));
        o = script(bigHeader);
        assertTrue(o.code() == 1 && o.err().contains("header too big"), o.err());
        o = script(dir.resolve("missing.safetensors"));
        assertTrue(o.code() == 1 && o.err().contains("cannot read") && !o.err().contains("Traceback"), o.err());
    }

    @Test
    void readsWhatTheJavaWriterWrites() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(8 + 2).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(2.25f).put((byte) 3).put((byte) 4);
        Path f = file("good", "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[1,2],\"data_offsets\":[8,10]}}  ", data.array());
        SafeTensorsFile java = SafeTensors.read(f);
        Outcome o = script(f);
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("w     F32    [2]              3.75"), o.out());
        assertTrue(o.out().contains("b     U8     [1, 2]           7.0"), o.out());
        assertTrue(o.out().contains("__metadata__ format = pt"), o.out());
        assertEquals(3.75, java.getDoubles("w")[0] + java.getDoubles("w")[1]);
    }
}
