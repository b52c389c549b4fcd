package dev.metamorph.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metamorph.core.data.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Templates and template metadata written to escape the sandbox or to stall the process. */
class TemplateHostileInputTest {
    @TempDir
    Path dir;
    Path root;
    TemplateEngine engine;

    static final Record AFFRAY = new Record("gcide:affray#1", "gcide", "law", "The fighting of two persons.", "GCIDE 0.48.5",
            Map.of("headword", "Affray"));

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("templates"));
        Files.createDirectories(root.resolve("gcide"));
        Files.createDirectories(root.resolve("wordnet"));
        engine = new TemplateEngine(root, Escaping.PLAIN, Map.of(), 200, 1000);
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    private String render(String file, String source) throws IOException {
        Files.writeString(root.resolve("gcide").resolve(file), source);
        return engine.render(engine.load("gcide/" + file), new RecordModel(AFFRAY, List.of("text"), Map.of("law", "law")));
    }

    private String refused(String file, String source) {
        return assertThrows(PromptRenderException.class, () -> render(file, source)).getMessage();
    }

    @Test
    void commentsInsideABuiltInNameDoNotHideIt() {
        // Freemarker accepts both comment syntaxes inside expressions: ?[#-- c --]eval ran eval before
        String m = refused("c1.ftl", "x\n${\"1+1\"?[#-- c --]eval}");
        assertTrue(m.startsWith("gcide/c1.ftl:2:") && m.contains("?eval is not allowed"), m);
        m = refused("c2.ftl", "${\"1+1\"?<#-- c -->eval}");
        assertTrue(m.contains("?eval is not allowed"), m);
        m = refused("c3.ftl", "<#assign t = \"<#list 1..9 as i></#list>\"?[#--x--]interpret><@t/>");
        assertTrue(m.contains("?interpret is not allowed"), m);
    }

    @Test
    void computedIncludePathsAreRefused() throws IOException {
        Files.writeString(root.resolve("wordnet/x.ftl"), "other domain");
        Files.writeString(root.resolve("x.ftl"), "root file");
        String m = refused("i1.ftl", "<#include \".\" + \"./x.ftl\">");
        assertTrue(m.startsWith("gcide/i1.ftl:1:1: <#include> needs one quoted relative path"), m);
        m = refused("i2.ftl", "<#include \"*/x.ftl\">");
        assertTrue(m.startsWith("gcide/i2.ftl:1:1: <#include \"*/x.ftl\"> uses '*'"), m);
        m = refused("i3.ftl", "<#include \"${text}.ftl\">");
        assertTrue(m.contains("computes its path with an interpolation"), m);
        m = refused("i4.ftl", "<#import \"../wordnet/x.ftl\" as w>");
        assertTrue(m.contains("leaves the template's folder"), m);
        // what stays allowed: a literal path of the same folder, with options
        Files.writeString(root.resolve("gcide/common.ftl"), "[common]");
        assertEquals("a [common]", render("ok.ftl", "a <#include \"common.ftl\" parse=true>"));
    }

    @Test
    void clockThroughThenAndOtherExpressionsIsRefused() {
        String m = refused("now1.ftl", "<#assign t = (1 > 0)?then(.now, 0)>${t?string}");
        assertTrue(m.startsWith("gcide/now1.ftl:1:") && m.contains("special variable .now"), m);
        m = refused("now2.ftl", "${true?then(.[#-- --]now, 1)}");
        assertTrue(m.contains("special variable .now"), m);
        m = refused("now3.ftl", "<#if (2 > 1)><#assign t = .now></#if>");
        assertTrue(m.contains("special variable .now"), m);
    }

    @Test
    void treeCheckAloneRefusesWhatTheTextCheckMisses() throws Exception {
        // bypasses the text check: the parsed-template check must hold on its own
        freemarker.template.Configuration cfg = engine.configuration();
        for (String src : List.of("${\"1+1\"?eval}", "${(1 > 0)?then(.now, 0)}", "<#include \"a\" + \".ftl\">", "<#include \"*/x.ftl\">",
                "<#attempt>x<#recover>y</#attempt>")) {
            freemarker.template.Template t = new freemarker.template.Template("gcide/inline.ftl", src, cfg);
            assertTrue(TemplateTreeCheck.check(t) != null, src);
        }
        for (String src : List.of("Answer now. ${text} example.now <#-- ?eval --> <#if text?has_content>${text?upper_case}</#if>",
                "<#include \"common.ftl\">", "<#import \"lib.ftl\" as l>")) {
            freemarker.template.Template t = new freemarker.template.Template("gcide/inline.ftl", src, cfg);
            assertEquals(null, TemplateTreeCheck.check(t), src);
        }
    }

    @Test
    void unclosedCommentsLoadInLinearTime() throws IOException {
        // 400 KB of unclosed comment openings took 89 s to check (a backtracking regular expression)
        String big = "<#--".repeat(100_000);
        long t0 = System.nanoTime();
        String m = refused("big.ftl", big);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(m.startsWith("gcide/big.ftl:1:1: syntax error"), m);
        assertTrue(ms < 20_000, "took " + ms + " ms");
        List<TemplateSourceCheck.Violation> many = TemplateSourceCheck.check("${.now}".repeat(50_000) + "[#--".repeat(50_000));
        assertEquals(100, many.size(), "violations are capped");
    }

    @Test
    void oversizedTemplateIsRefused() {
        String m = refused("huge.ftl", "x".repeat((int) RootedTemplateLoader.MAX_TEMPLATE_BYTES + 1));
        assertTrue(m.startsWith("gcide/huge.ftl: template file is 1048577 bytes, over the limit"), m);
    }

    @Test
    void aRenderThatIgnoresInterruptionCostsOneThreadNotOnePerCall() throws Exception {
        try (TemplateEngine quick = new TemplateEngine(root, Escaping.PLAIN, Map.of(), 200, 150)) {
            Files.writeString(root.resolve("gcide/redos.ftl"), "${(\"a\"?left_pad(30, \"a\") + \"c\")?matches(\"(.*a){14}\")?c}");
            freemarker.template.Template redos = quick.load("gcide/redos.ftl");
            RecordModel model = new RecordModel(AFFRAY, List.of("text"), Map.of());
            String first = assertThrows(PromptRenderException.class, () -> quick.render(redos, model)).getMessage();
            assertTrue(first.contains("ignored an interrupt"), first);
            for (int i = 0; i < 3; i++) {
                String again = assertThrows(PromptRenderException.class, () -> quick.render(redos, model)).getMessage();
                assertTrue(again.contains("an earlier render of this template ignored its time limit"), again);
            }
            assertEquals(1, quick.stuckRenders());
            assertEquals(1, runningThreads(quick.threadPrefix()), "one spinning thread, not one per call");
            Files.writeString(root.resolve("gcide/after.ftl"), "ok");
            assertEquals("ok", quick.render(quick.load("gcide/after.ftl"), model), "other templates still render");
        }
    }

    private static long runningThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive() && t.getState() == Thread.State.RUNNABLE).count();
    }

    // ---- templates.conf

    private TemplateCatalog catalogWith(String conf) throws IOException {
        Files.writeString(root.resolve("gcide/d.ftl"), "${text}");
        Files.writeString(root.resolve("gcide/templates.conf"), conf);
        Files.writeString(root.resolve("wordnet/templates.conf"),
                "templates = [{id = w, file = d.ftl, domain = wordnet, description = d, fields = [text], version = 1, verbalizer {a = b}}]");
        Files.writeString(root.resolve("wordnet/d.ftl"), "${text}");
        return TemplateCatalog.scan(root);
    }

    private static String entry(String verbalizer) {
        return "templates = [\n  {\n    id = g\n    file = d.ftl\n    domain = gcide\n    description = d\n    fields = [text]\n"
                + "    version = 1\n    verbalizer {\n" + verbalizer + "\n    }\n  }\n]\n";
    }

    private static String problems(TemplateCatalog c) {
        return c.problems().stream().map(CatalogProblem::toString).reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void environmentSubstitutionsInTemplatesConfAreRefusedWithTheLine() throws IOException {
        TemplateCatalog c = catalogWith(entry("      law = ${HOME}\n      art = \"x\"${?SECRET}"));
        String p = problems(c);
        assertTrue(p.contains("gcide/templates.conf:10") && p.contains("substitution ${HOME} is refused"), p);
        assertTrue(p.contains("gcide/templates.conf:11") && p.contains("${?SECRET}"), p);
        assertTrue(c.templates().stream().noneMatch(s -> s.domain().equals("gcide")), "the domain is not used");
    }

    @Test
    void includesInTemplatesConfAreRefusedWithTheLine() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.conf"), "law = \"top secret\"");
        for (String inc : List.of("include file(\"" + secret + "\")", "include \"" + secret + "\"", "include required(url(\"file://"
                + secret + "\"))", "include classpath(\"reference.conf\")")) {
            TemplateCatalog c = catalogWith(entry("      " + inc));
            String p = problems(c);
            assertTrue(p.contains("gcide/templates.conf:10") && p.contains("is refused"), inc + " -> " + p);
            assertTrue(c.templates().stream().noneMatch(s -> s.verbalizer().containsValue("top secret")), inc);
        }
    }

    @Test
    void lintReportsRefusedMetadata() throws IOException {
        catalogWith(entry("      law = ${HOME}"));
        Files.writeString(root.resolve("gcide/samples.jsonl"), "");
        TemplateLinter.Report r = new TemplateLinter(PromptsConfig.defaults().withTemplatesRoot(root), d -> java.util.Optional.empty(), 1).lint();
        assertTrue(!r.passed() && r.problems().stream().anyMatch(p -> p.toString().contains("substitution ${HOME} is refused")),
                r.problems().toString());
    }

    @Test
    void deeplyNestedTemplatesConfIsAProblemNotAStackOverflow() throws IOException {
        TemplateCatalog c = catalogWith("templates = " + "[".repeat(100_000));
        assertTrue(problems(c).contains("gcide/templates.conf:1") && problems(c).contains("levels deep"), problems(c));
        c = catalogWith("a" + ".a".repeat(100_000) + " = 1");
        assertTrue(problems(c).contains("levels deep"), problems(c));
    }
}
