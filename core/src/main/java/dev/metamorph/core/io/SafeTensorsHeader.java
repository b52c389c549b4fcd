package dev.metamorph.core.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON header of a safetensors file: the tensors in header order and the optional
 * {@code __metadata__} string map. {@link #parse} checks every rule of the format against the size
 * of the data buffer; {@link #encode} produces the padded header bytes the writer puts on disk.
 */
final class SafeTensorsHeader {
    /** Largest header accepted, as in the reference implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final List<TensorInfo> tensors;
    private final Map<String, String> metadata;

    SafeTensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = List.copyOf(tensors);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Tensors in the order their keys appear in the header. */
    List<TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} entries in header order; empty if the header has none. */
    Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Parses and checks a header.
     *
     * @param file the file the header came from, named in errors
     * @param bytes the header bytes (without the 8-byte length prefix, trailing padding allowed)
     * @param bufferLength bytes in the file after the header
     */
    static SafeTensorsHeader parse(Path file, byte[] bytes, long bufferLength) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsFormatException(file, null, "the " + bytes.length + "-byte header is not valid UTF-8 ("
                    + e.getMessage() + ")", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String detail = String.valueOf(e.getOriginalMessage());
            String at = e.getLocation() == null ? "" : " at header line " + e.getLocation().getLineNr()
                    + " column " + e.getLocation().getColumnNr();
            if (detail.startsWith("Duplicate field ")) {
                throw new SafeTensorsFormatException(file, null, "the header has a duplicate key "
                        + detail.substring("Duplicate field ".length()) + at + " (tensor names must be unique)", e);
            }
            throw new SafeTensorsFormatException(file, null, "the header is not valid JSON" + at + ": " + detail, e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(file, null, "the header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA_KEY)) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                tensors.add(readTensor(file, e.getKey(), e.getValue(), bufferLength));
            }
        }
        checkCoverage(file, tensors, bufferLength);
        return new SafeTensorsHeader(tensors, metadata);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(file, null, "\"" + METADATA_KEY + "\" must be an object of strings, found "
                    + node.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new SafeTensorsFormatException(file, null, "\"" + METADATA_KEY + "\" value for key '" + m.getKey()
                        + "' must be a string, found " + m.getValue());
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static TensorInfo readTensor(Path file, String name, JsonNode node, long bufferLength) {
        if (name.isEmpty()) {
            throw new SafeTensorsFormatException(file, name, "tensor names must be non-empty");
        }
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(file, name, "the entry must be an object with dtype, shape and data_offsets, found " + node);
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafeTensorsFormatException(file, name, "\"dtype\" is missing or not a string");
        }
        TensorDtype dtype = TensorDtype.fromCode(dtypeNode.textValue()).orElseThrow(() -> new SafeTensorsFormatException(
                file, name, "unknown dtype \"" + dtypeNode.textValue() + "\" (known: " + TensorDtype.knownCodes() + ")"));
        List<Long> shape = longs(file, name, node.get("shape"), "shape", -1);
        List<Long> offsets = longs(file, name, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (begin > end) {
            throw new SafeTensorsFormatException(file, name, "data_offsets " + offsets + " begin after they end");
        }
        if (end > bufferLength) {
            throw new SafeTensorsFormatException(file, name, "data_offsets " + offsets + " are out of range: the data buffer after the header holds only "
                    + bufferLength + " bytes (file truncated?)");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.elements(), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafeTensorsFormatException(file, name, "shape " + shape + " has more elements than a file can hold", e);
        }
        if (expected != info.byteLength()) {
            throw new SafeTensorsFormatException(file, name, "size mismatch: data_offsets " + offsets + " span " + info.byteLength()
                    + " bytes but shape " + shape + " of " + dtype.code() + " needs " + info.elements() + " x " + dtype.byteSize()
                    + " = " + expected + " bytes");
        }
        return info;
    }

    private static List<Long> longs(Path file, String name, JsonNode node, String field, int requiredLength) {
        if (node == null || !node.isArray()) {
            throw new SafeTensorsFormatException(file, name, "\"" + field + "\" is missing or not an array");
        }
        if (requiredLength >= 0 && node.size() != requiredLength) {
            throw new SafeTensorsFormatException(file, name, "\"" + field + "\" must have " + requiredLength + " numbers, found " + node);
        }
        List<Long> out = new ArrayList<>(node.size());
        for (JsonNode v : node) {
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafeTensorsFormatException(file, name, "\"" + field + "\" must hold non-negative integers, found " + node);
            }
            out.add(v.longValue());
        }
        return out;
    }

    /** The tensors' byte ranges must tile {@code [0, bufferLength)} exactly: no gap, no overlap. */
    private static void checkCoverage(Path file, List<TensorInfo> tensors, long bufferLength) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long next = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < next) {
                throw new SafeTensorsFormatException(file, t.name(), "overlap: its data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlap tensor '" + previous.name() + "' at [" + previous.begin() + ", " + previous.end() + "]");
            }
            if (t.begin() > next) {
                throw new SafeTensorsFormatException(file, t.name(), "gap: " + (t.begin() - next) + " bytes at [" + next + ", " + t.begin()
                        + ") of the data buffer belong to no tensor (its data starts at " + t.begin() + ")");
            }
            next = t.end();
            previous = t;
        }
        if (next != bufferLength) {
            throw new SafeTensorsFormatException(file, null, "gap: the tensors cover " + next + " bytes of the data buffer but it holds "
                    + bufferLength + " bytes; the last " + (bufferLength - next) + " bytes belong to no tensor");
        }
    }

    /**
     * The header as written to disk: compact JSON ({@code __metadata__} first when there is any,
     * then the tensors in list order), padded with spaces so the data starts 8-byte aligned.
     */
    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> m : metadata.entrySet()) g.writeStringField(m.getKey(), m.getValue());
                g.writeEndObject();
            }
            for (TensorInfo t : tensors) {
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().code());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(t.begin());
                g.writeNumber(t.end());
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode a safetensors header: " + e.getMessage(), e);
        }
        int pad = (8 - out.size() % 8) % 8;
        for (int i = 0; i < pad; i++) out.write(' ');
        return out.toByteArray();
    }
}
