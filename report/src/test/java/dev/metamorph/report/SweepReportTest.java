package dev.metamorph.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.eval.ResultsJson;
import dev.metamorph.eval.ResultsRow;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sweep of two finished jobs and one that failed before it wrote anything: both reports rebuilt, one comparison page. */
class SweepReportTest {
    @TempDir
    Path tmp;

    @Test
    void comparisonPageHasEveryJobAndMethodAndMarksTheBestJobPerSetting() throws Exception {
        Path sweep = tmp.resolve("sweep");
        RunReportTest.copyFixture("run-fixture", sweep.resolve("0"));
        RunReportTest.copyFixture("run-fixture", sweep.resolve("1"));
        // job 1: theta0 two points better at 5-shot than any row of job 0
        Path results1 = sweep.resolve("1/report/results.json");
        List<ResultsRow> rows = new ArrayList<>();
        for (ResultsRow r : ResultsJson.read(results1)) {
            rows.add(r.method().equals("theta0") && r.shots() == 5
                    ? new ResultsRow(r.method(), r.shots(), 0.884, r.ci95(), r.macroF1(), r.episodes(), r.macroF1Ci95(), r.ways(), r.domain()) : r);
        }
        ResultsJson.write(results1.getParent(), rows);
        Files.createDirectories(sweep.resolve("2"));
        Files.writeString(sweep.resolve("sweep.json"), """
                {"sweep_dir":"x","overrides":["maml.inner-lr=0.005,0.01,0.5"],"started":"2026-12-01T12:00:00Z","ended":"2026-12-01T12:30:00Z",
                 "jobs":[{"job":0,"dir":"0","overrides":["maml.inner-lr=0.005"],"status":"ok","exit_code":0,"error":null},
                         {"job":1,"dir":"1","overrides":["maml.inner-lr=0.01"],"status":"ok","exit_code":0,"error":null},
                         {"job":2,"dir":"2","overrides":["maml.inner-lr=0.5"],"status":"failed","exit_code":1,"error":"non-finite loss"}]}
                """);

        SweepReport.Written w = SweepReport.write(sweep);
        assertEquals(2, w.jobs().size(), "the two finished jobs' reports are rebuilt");
        assertTrue(Files.isRegularFile(sweep.resolve("0/report/report.html")) && Files.isRegularFile(sweep.resolve("1/report/report.html")));
        String html = Files.readString(w.html());
        assertTrue(html.contains("<a href=\"../0/report/report.html\">") && html.contains("<a href=\"../1/report/report.html\">"), "links to the job reports");
        assertTrue(html.contains("<td>2: maml.inner-lr=0.5</td><td>failed: non-finite loss</td><td>none</td>"), "the failed job is listed");
        assertTrue(html.contains("<th>gcide 5-way 1-shot</th><th>gcide 5-way 5-shot</th>"), "one column per setting");
        Matcher row = Pattern.compile("<tr(?: class=\"floor\")?><td>(\\d): [^<]*</td><td><code>([^<]+)</code>").matcher(html);
        int count = 0;
        while (row.find()) count++;
        assertEquals(14, count, "one row per job and method (2 jobs x 7 methods)");
        Matcher best = Pattern.compile("<td class=\"num best\">([^<]+)</td>").matcher(html);
        List<String> bests = new ArrayList<>();
        while (best.find()) bests.add(best.group(1));
        assertEquals(List.of("71.1% ± 0.8", "88.4% ± 0.5", "71.1% ± 0.8"), bests, "in table order: 1-shot curriculum of job 0, 5-shot theta0 of job 1, 1-shot curriculum of job 1 (a tie)");
        Matcher img = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" width=\"(\\d+)\" height=\"(\\d+)\"").matcher(html);
        int plots = 0;
        while (img.find()) {
            BufferedImage im = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.group(1))));
            assertNotNull(im);
            assertEquals(Integer.parseInt(img.group(2)), im.getWidth());
            assertEquals(Integer.parseInt(img.group(3)), im.getHeight());
            plots++;
        }
        assertEquals(2, plots, "one plot per setting");
        String md = Files.readString(w.markdown());
        assertTrue(md.contains("| job | method | gcide 5-way 1-shot | gcide 5-way 5-shot |\n|---|---|---|---|\n"), md);
        assertTrue(md.contains("| 1: maml.inner-lr=0.01 | `theta0` | 70.8% +- 0.9 | **88.4% +- 0.5** |"), md);
    }
}
