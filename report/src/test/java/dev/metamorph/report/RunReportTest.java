package dev.metamorph.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.eval.ResultsJson;
import dev.metamorph.eval.ResultsRow;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of a fixture run folder (a real default run's metrics.jsonl and results.json): every section, every row, every plot. */
class RunReportTest {
    private static final Pattern IMG = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" width=\"(\\d+)\" height=\"(\\d+)\" alt=\"[^\"]*\" data-file=\"([^\"]+)\">");

    @TempDir
    Path tmp;

    static Path copyFixture(String name, Path to) throws IOException, URISyntaxException {
        Path from = Path.of(RunReportTest.class.getResource(name).toURI());
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return to;
    }

    @Test
    void reportOfTheFixtureRunHasEverySectionEveryRowAndPlotsOfTheStatedSize() throws Exception {
        Path run = copyFixture("run-fixture", tmp.resolve("run"));
        RunReport.Written w = RunReport.write(run);
        String html = Files.readString(w.html());
        String md = Files.readString(w.markdown());

        for (String id : RunReport.SECTIONS) {
            assertTrue(html.contains("<section id=\"" + id + "\">\n<h2>" + RunReport.TITLES.get(id) + "</h2>"), "HTML section " + id);
            assertTrue(md.contains("\n## " + RunReport.TITLES.get(id) + "\n"), "Markdown section " + id);
        }

        // every results.json row, floors labelled, one best row per setting (1-shot: curriculum 71.1%, 5-shot: curriculum 86.4%)
        List<ResultsRow> rows = ResultsJson.read(run.resolve("report/results.json"));
        assertEquals(14, rows.size());
        List<String> tableRows = new ArrayList<>();
        Matcher tr = Pattern.compile("<tr class=\"(best|floor|)\"><td><code>([^<]+)</code>.*?</tr>").matcher(html);
        while (tr.find()) tableRows.add(tr.group(1) + " " + tr.group(2) + " " + tr.group(0));
        assertEquals(rows.size(), tableRows.size(), "one table row per results.json row");
        for (int i = 0; i < rows.size(); i++) {
            String method = rows.get(i).method();
            assertTrue(tableRows.get(i).contains("<code>" + method + "</code>"), "row " + i + " is " + method);
            if (ResultsTable.isFloor(method)) assertTrue(tableRows.get(i).contains("floor ("), "floor labelled: " + method);
        }
        assertEquals(List.of("curriculum", "curriculum"), tableRows.stream().filter(r -> r.startsWith("best ")).map(r -> r.split(" ")[1]).toList());
        assertTrue(html.contains("71.1% ± 0.8"), "accuracy with its CI");
        assertTrue(md.contains("| `curriculum` **best** | theta_0 + curriculum | gcide | 5-way 1-shot | **71.1% +- 0.8** |"), md);

        // plots: embedded in the HTML at their stated size, and the same files beside report.md
        Matcher img = IMG.matcher(html);
        List<String> files = new ArrayList<>();
        while (img.find()) {
            BufferedImage im = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.group(1))));
            assertNotNull(im, "PNG decodes: " + img.group(4));
            assertEquals(Integer.parseInt(img.group(2)), im.getWidth(), img.group(4));
            assertEquals(Integer.parseInt(img.group(3)), im.getHeight(), img.group(4));
            BufferedImage onDisk = ImageIO.read(run.resolve("report").resolve(img.group(4)).toFile());
            assertEquals(im.getWidth(), onDisk.getWidth());
            assertEquals(im.getHeight(), onDisk.getHeight());
            assertTrue(md.contains("](" + img.group(4) + ")"), "report.md shows " + img.group(4));
            files.add(img.group(4));
        }
        assertEquals(List.of("plots/meta-training.png", "plots/curriculum-gcide.png", "plots/shots-gcide.png", "plots/domains-1shot.png",
                "plots/domains-5shot.png", "plots/forgetting.png"), files);
        assertEquals(files.size(), w.plots().size());

        // curriculum events without a target name belong to dataset.target-domains in order; elastic events counted
        assertTrue(html.contains("<td>gcide</td><td class=\"num\">3</td><td class=\"num\">11 / 2 / 2</td>"), "curriculum row");
        assertTrue(html.contains("0.4197 &rarr; 0.4176") && html.contains("-0.0021"), "forgetting");
        assertTrue(html.contains("step 40 (val_accuracy 0.8300), selected by best-val"), "kept step");
        assertTrue(html.contains("<td>meta-train</td><td class=\"num\">46.1</td>"), "stage times");
        assertTrue(html.contains("export/gcide/adapter.json</code></td><td>exported adapter bundle"), "export path");
        assertTrue(html.contains("model/adapted-gcide.zip</code></td><td>adapted model (gcide)"), "adapted model path");
        assertTrue(html.contains("4f9ac35c7dc97d7109cd7e0acf498508216310d4"), "provenance");
        assertTrue(html.contains("inner-lr=0.005"), "resolved config");
        assertTrue(md.contains("Overrides as typed: `run.name=final`."), "overrides");
        assertTrue(!html.contains("src=\"plots/") && !html.contains("http://") && !html.contains("https://"), "self-contained: no outside references");
    }

    @Test
    void theReportIsAFunctionOfTheFolder() throws Exception {
        Path run = copyFixture("run-fixture", tmp.resolve("run"));
        String first = Files.readString(RunReport.write(run).html());
        String second = Files.readString(RunReport.write(run).html());
        assertEquals(first, second);
    }

    @Test
    void aTornLastMetricsLineIsSkippedAndTheTableComesFromEvalEventsWithoutResultsJson() throws Exception {
        Path run = copyFixture("run-fixture", tmp.resolve("run"));
        Files.delete(run.resolve("report/results.json"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"event\":\"eval\",\"method\":\"theta0\",\"dom", java.nio.file.StandardOpenOption.APPEND);
        RunFolder folder = RunFolder.read(run);
        assertEquals(1, folder.tornLines());
        assertEquals(14, folder.results().size());
        String html = Files.readString(RunReport.write(folder).html());
        assertTrue(html.contains("1 line(s) of metrics.jsonl were not complete JSON"));
    }

    @Test
    void aFolderThatIsNotARunIsAnErrorThatSaysWhatARunFolderIs() throws IOException {
        Files.createDirectories(tmp.resolve("empty"));
        ReportInputException e = assertThrows(ReportInputException.class, () -> RunFolder.read(tmp.resolve("empty")));
        assertTrue(e.getMessage().contains("neither metrics.jsonl nor report/results.json"), e.getMessage());
        e = assertThrows(ReportInputException.class, () -> RunFolder.read(tmp.resolve("missing")));
        assertTrue(e.getMessage().startsWith("No run folder at "), e.getMessage());
    }
}
