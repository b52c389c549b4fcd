package dev.metamorph.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.data.Record;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a JSONL record file (DATA.md format) strictly: every line must be valid UTF-8 and exactly
 * one JSON object (no trailing text, no key given twice) with non-empty {@code id}, {@code domain},
 * {@code label} and {@code text}; ids are unique in the file; when the file is a domain's, every
 * record is of that domain; a line is at most {@value #MAX_LINE_BYTES} bytes. Bad lines fail with
 * file:line, or are skipped and counted under {@link BadRecordPolicy#SKIP}.
 */
public final class RecordFileReader {
    private static final Logger log = LoggerFactory.getLogger(RecordFileReader.class);
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final int MAX_REPORTED = 20;
    /** The longest line read (1 MiB); a record is a definition, not a book. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    private final BadRecordPolicy policy;

    public RecordFileReader(BadRecordPolicy policy) {
        this.policy = requirePolicy(policy);
    }

    private static BadRecordPolicy requirePolicy(BadRecordPolicy p) {
        if (p == null) throw new IllegalArgumentException("bad-record policy must be set");
        return p;
    }

    /**
     * The records of one file and what was skipped.
     *
     * @param skipped number of bad lines skipped (always 0 under FAIL)
     * @param problems the first few problems as {@code file:line: what}
     */
    public record Result(List<Record> records, long skipped, List<String> problems) {
        public Result {
            records = List.copyOf(records);
            problems = List.copyOf(problems);
        }
    }

    /** Reads a record file of no particular domain (records of any domain are accepted). */
    public Result read(Path file) {
        return read(file, null);
    }

    /**
     * Reads a record file; with {@code domain} not null, a record of another domain is a bad line
     * (the file is that domain's).
     */
    public Result read(Path file, String domain) {
        List<Record> out = new ArrayList<>();
        Map<String, Long> idLines = new java.util.HashMap<>();
        List<String> problems = new ArrayList<>();
        long skipped = 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            long lineNo = 0;
            boolean more = true;
            boolean tooLong = false;
            while (more) {
                int b = in.read();
                if (b == -1) {
                    more = false;
                    if (line.size() == 0 && !tooLong) break;
                } else if (b != '\n') {
                    if (line.size() < MAX_LINE_BYTES) line.write(b);
                    else tooLong = true; // the rest of the line is dropped, not buffered
                    continue;
                }
                lineNo++;
                byte[] bytes = line.toByteArray();
                line.reset();
                boolean skipThis = tooLong;
                tooLong = false;
                if (!skipThis && isBlank(bytes)) continue;
                try {
                    if (skipThis) throw new BadLine("line is longer than " + MAX_LINE_BYTES + " bytes");
                    Record r = parse(decoder, bytes);
                    if (domain != null && !r.domain().equals(domain)) {
                        throw new BadLine("record of domain '" + r.domain() + "' in the file of domain '" + domain
                                + "'; each domain's records go in <dataset.cache-dir>/<domain>.jsonl");
                    }
                    Long first = idLines.putIfAbsent(r.id(), lineNo);
                    if (first != null) throw new BadLine("duplicate id '" + r.id() + "', first at line " + first + "; ids must be unique");
                    out.add(r);
                } catch (BadLine e) {
                    BadRecordException bad = new BadRecordException(file, lineNo, e.getMessage());
                    if (policy == BadRecordPolicy.FAIL) throw bad;
                    skipped++;
                    if (problems.size() < MAX_REPORTED) problems.add(file + ":" + lineNo + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read record file " + file, e);
        }
        if (skipped > 0) log.warn("Skipped {} bad line(s) in {} (dataset.on-bad-record = skip); first: {}", skipped, file, problems.get(0));
        return new Result(out, skipped, problems);
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) if (b != ' ' && b != '\t' && b != '\r') return false;
        return true;
    }

    private static Record parse(CharsetDecoder decoder, byte[] bytes) throws BadLine {
        String text;
        try {
            text = decoder.reset().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadLine("invalid UTF-8 (" + e.getMessage() + ")");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (IOException | RuntimeException e) {
            throw new BadLine(jsonProblem(e));
        }
        if (node == null || !node.isObject()) throw new BadLine("not a JSON object");
        String id = required(node, "id");
        String domain = required(node, "domain");
        String label = required(node, "label");
        String body = required(node, "text");
        JsonNode src = node.get("source");
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = node.get("meta");
        if (m != null && m.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                meta.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
        } else if (m != null && !m.isNull()) {
            throw new BadLine("field 'meta' must be an object");
        }
        if (src != null && !src.isNull() && !src.isValueNode()) throw new BadLine("field 'source' must be a string");
        return new Record(id, domain, label, body, src == null || src.isNull() ? "" : src.asText(), meta);
    }

    private static String required(JsonNode node, String field) throws BadLine {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new BadLine("missing field '" + field + "'");
        if (!v.isTextual()) throw new BadLine("field '" + field + "' must be a string");
        if (v.asText().isBlank()) throw new BadLine("empty field '" + field + "'");
        return v.asText();
    }

    /** Jackson's complaint in words: duplicate keys and trailing text named as such, without the source excerpt. */
    private static String jsonProblem(Exception e) {
        String m = firstLine(e.getMessage());
        if (m.startsWith("Duplicate field")) return "a key appears twice in the object (" + m + ")";
        if (m.startsWith("Trailing token")) return "text after the JSON object (" + m + "); one object per line";
        return "not a JSON object: " + m;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    private static final class BadLine extends Exception {
        BadLine(String message) {
            super(message, null, false, false);
        }
    }
}
