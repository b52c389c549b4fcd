package dev.metamorph.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.eval.ResultsJson;
import dev.metamorph.eval.ResultsRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a run folder holds, read from disk: the resolved config, the overrides as typed, the
 * provenance, the events of {@code metrics.jsonl}, the rows of {@code report/results.json} (or,
 * when that file is missing, the {@code eval} events), and the saved models and exports.
 * A run that crashed mid-line keeps every complete line of its metrics; the torn last line is
 * skipped and counted.
 *
 * @param dir        the run folder
 * @param configText {@code config.resolved.conf}, or empty
 * @param overrides  {@code overrides.txt} lines
 * @param provenance {@code provenance.json} as a map (empty when missing)
 * @param events     every complete line of {@code metrics.jsonl}, in order
 * @param results    the results table
 * @param artifacts  files under {@code model/} and {@code export/}, relative to {@code dir}, sorted
 * @param tornLines  lines of {@code metrics.jsonl} that were not JSON (a crash mid-write)
 */
public record RunFolder(Path dir, String configText, List<String> overrides, Map<String, Object> provenance,
                        List<Map<String, Object>> events, List<ResultsRow> results, List<Path> artifacts, int tornLines) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    public RunFolder {
        overrides = List.copyOf(overrides);
        provenance = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        events = List.copyOf(events);
        results = List.copyOf(results);
        artifacts = List.copyOf(artifacts);
    }

    /** Whether {@code dir} looks like a run folder (it has a metrics.jsonl or a results.json). */
    public static boolean isRun(Path dir) {
        return Files.isRegularFile(dir.resolve("metrics.jsonl")) || Files.isRegularFile(dir.resolve("report").resolve(ResultsJson.FILE));
    }

    /**
     * Reads a run folder.
     *
     * @throws ReportInputException if {@code dir} is not a run folder, or a file in it cannot be read
     */
    public static RunFolder read(Path dir) {
        if (!Files.isDirectory(dir)) throw new ReportInputException("No run folder at " + dir + "; give a folder under outputs/ (or a multirun sweep folder)");
        if (!isRun(dir)) {
            throw new ReportInputException(dir + " holds neither metrics.jsonl nor report/results.json: it is not a run folder "
                    + "(a run folder is outputs/<date>/<time>/; a sweep folder holds sweep.json)");
        }
        String config = readIfPresent(dir.resolve("config.resolved.conf"));
        List<String> overrides = readIfPresent(dir.resolve("overrides.txt")).lines().filter(l -> !l.isBlank()).toList();
        Map<String, Object> provenance = new LinkedHashMap<>();
        Path prov = dir.resolve("provenance.json");
        if (Files.isRegularFile(prov)) {
            try {
                provenance.putAll(JSON.readValue(Files.readString(prov), MAP));
            } catch (IOException e) {
                throw new ReportInputException("Cannot read " + prov + ": " + e.getMessage() + "; it should be the JSON object the run wrote");
            }
        }
        List<Map<String, Object>> events = new ArrayList<>();
        int torn = 0;
        Path metrics = dir.resolve("metrics.jsonl");
        if (Files.isRegularFile(metrics)) {
            for (String line : readIfPresent(metrics).split("\n")) {
                if (line.isBlank()) continue;
                try {
                    events.add(JSON.readValue(line, MAP));
                } catch (JsonProcessingException e) {
                    torn++;
                }
            }
        }
        Path resultsFile = dir.resolve("report").resolve(ResultsJson.FILE);
        List<ResultsRow> results;
        try {
            results = Files.isRegularFile(resultsFile) ? ResultsJson.read(resultsFile) : resultsFromEvents(events);
        } catch (UncheckedIOException e) {
            throw new ReportInputException(e.getMessage() + "; rerun the evaluation or delete the file to rebuild the table from metrics.jsonl");
        }
        List<Path> artifacts = new ArrayList<>();
        for (String sub : List.of("model", "export")) {
            Path p = dir.resolve(sub);
            if (!Files.isDirectory(p)) continue;
            try (Stream<Path> files = Files.walk(p)) {
                files.filter(Files::isRegularFile).map(dir::relativize).sorted().forEach(artifacts::add);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + p + ": " + e.getMessage(), e);
            }
        }
        return new RunFolder(dir, config, overrides, provenance, events, results, artifacts, torn);
    }

    /** Events named {@code event}, in order. */
    public List<Map<String, Object>> events(String event) {
        return events.stream().filter(e -> event.equals(e.get("event"))).toList();
    }

    /** The results table from the {@code eval} events (a run that stopped before writing results.json). */
    static List<ResultsRow> resultsFromEvents(List<Map<String, Object>> events) {
        List<ResultsRow> rows = new ArrayList<>();
        for (Map<String, Object> e : events) {
            if (!"eval".equals(e.get("event"))) continue;
            List<?> acc = (List<?>) e.get("accuracy"), f1 = (List<?>) e.get("macro_f1");
            if (acc == null || f1 == null) continue;
            rows.add(new ResultsRow(String.valueOf(e.get("method")), ((Number) e.get("shots")).intValue(), num(acc.get(0)), num(acc.get(1)), num(f1.get(0)),
                    ((Number) e.get("episodes")).intValue(), num(f1.get(1)), e.get("ways") == null ? null : ((Number) e.get("ways")).intValue(),
                    (String) e.get("domain")));
        }
        return rows;
    }

    private static double num(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    private static String readIfPresent(Path p) {
        if (!Files.isRegularFile(p)) return "";
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
