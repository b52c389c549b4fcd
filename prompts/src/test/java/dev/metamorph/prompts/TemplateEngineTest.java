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

class TemplateEngineTest {
    @TempDir
    Path dir;
    Path root;
    TemplateEngine engine;

    static final Record AFFRAY = new Record("gcide:affray#1", "gcide", "law",
            "The fighting of two or more persons, in a public place, to the terror of others.", "GCIDE 0.48.5",
            Map.of("headword", "Affray"));

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("templates"));
        Files.createDirectories(root.resolve("gcide"));
        engine = new TemplateEngine(root, Escaping.PLAIN, Map.of("gcide/html.ftl", Escaping.HTML), 200, 1000);
    }

    @AfterEach
    void tearDown() {
        engine.close();
    }

    private String render(String file, String source) throws IOException {
        Files.writeString(root.resolve("gcide").resolve(file), source);
        return engine.render(engine.load("gcide/" + file), new RecordModel(AFFRAY, List.of("text", "meta.headword"), Map.of("law", "law")));
    }

    private PromptRenderException refused(String file, String source) {
        return assertThrows(PromptRenderException.class, () -> render(file, source));
    }

    @Test
    void rendersDeclaredFieldsAsPlainText() throws IOException {
        assertEquals("Definition: The fighting of two or more persons, in a public place, to the terror of others. <law>",
                render("ok.ftl", "Definition: ${text} <${verbalizer.law}>"));
        assertEquals("Affray", render("meta.ftl", "${meta.headword}"));
    }

    @Test
    void htmlEscapingIsChosenPerTemplate() throws IOException {
        Record r = new Record("x", "gcide", "law", "a < b & c", "", Map.of());
        Files.writeString(root.resolve("gcide/html.ftl"), "${text}");
        Files.writeString(root.resolve("gcide/plain.ftl"), "${text}");
        RecordModel m = new RecordModel(r, List.of("text"), Map.of());
        assertEquals("a &lt; b &amp; c", engine.render(engine.load("gcide/html.ftl"), m));
        assertEquals("a < b & c", engine.render(engine.load("gcide/plain.ftl"), new RecordModel(r, List.of("text"), Map.of())));
    }

    @Test
    void unknownVariableNamesTemplateLineColumnAndName() {
        PromptRenderException e = refused("unknown.ftl", "line one\nDefinition: ${definition}\n");
        assertEquals("gcide/unknown.ftl", e.template());
        assertEquals(2, e.line());
        assertEquals(15, e.column());
        assertTrue(e.getMessage().startsWith("gcide/unknown.ftl:2:15: undefined variable `definition`"), e.getMessage());
    }

    @Test
    void undeclaredRecordFieldIsUndefined() {
        // the label exists on the record but the template did not declare it: the model must not see it
        PromptRenderException e = refused("label.ftl", "${label}");
        assertTrue(e.getMessage().startsWith("gcide/label.ftl:1:3: undefined variable `label`"), e.getMessage());
    }

    @Test
    void newBuiltinIsRefusedWithPlace() {
        PromptRenderException e = refused("new.ftl", "x\n  <#assign ex = \"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}");
        assertTrue(e.getMessage().startsWith("gcide/new.ftl:2:54: the built-in ?new is not allowed"), e.getMessage());
    }

    @Test
    void apiBuiltinIsRefusedWithPlace() {
        PromptRenderException e = refused("api.ftl", "${text?api.getClass()}");
        assertTrue(e.getMessage().startsWith("gcide/api.ftl:1:7: the built-in ?api is not allowed"), e.getMessage());
    }

    @Test
    void interpretAndEvalAreRefused() {
        String m = refused("interp.ftl", "<#assign t = \"<#list 1..9 as i></#list>\"?interpret><@t/>").getMessage();
        assertTrue(m.startsWith("gcide/interp.ftl:1:41: the built-in ?interpret"), m);
        assertTrue(refused("eval.ftl", "${\"1+1\"?eval}").getMessage().startsWith("gcide/eval.ftl:1:8: the built-in ?eval"));
    }

    @Test
    void includeOutsideTheFolderIsRefused() throws IOException {
        Files.writeString(root.resolve("x"), "secret");
        Files.writeString(root.resolve("x.ftl"), "secret");
        assertTrue(refused("up.ftl", "a\n<#include \"../x.ftl\">").getMessage()
                .startsWith("gcide/up.ftl:2:1: <#include \"../x.ftl\"> leaves the template's folder with '..'"));
        assertTrue(refused("up2.ftl", "<#include '../x'>").getMessage().startsWith("gcide/up2.ftl:1:1: <#include \"../x\"> leaves"));
        assertTrue(refused("abs.ftl", "<#include \"/etc/passwd\">").getMessage()
                .startsWith("gcide/abs.ftl:1:1: <#include \"/etc/passwd\"> uses an absolute path"));
        assertTrue(refused("imp.ftl", "<#import \"../../lib.ftl\" as l>").getMessage().startsWith("gcide/imp.ftl:1:1: <#import"));
        assertTrue(refused("dyn.ftl", "<#assign p = \"../x.ftl\"><#include p>").getMessage()
                .startsWith("gcide/dyn.ftl:1:25: <#include> needs one quoted relative path"));
    }

    @Test
    void includeWithinTheFolderWorks() throws IOException {
        Files.writeString(root.resolve("gcide/common.ftl"), "[${text?length}]");
        assertEquals("len [80]", render("inc.ftl", "len <#include \"common.ftl\">"));
    }

    @Test
    void loaderRefusesNamesAndLinksLeavingTheRoot() throws IOException {
        assertTrue(RootedTemplateLoader.nameProblem("../x.ftl") != null);
        assertTrue(RootedTemplateLoader.nameProblem("/etc/passwd") != null);
        assertTrue(RootedTemplateLoader.nameProblem("C:/x.ftl") != null);
        assertTrue(RootedTemplateLoader.nameProblem("gcide\\..\\x.ftl") != null);
        assertEquals(null, RootedTemplateLoader.nameProblem("gcide/x.ftl"));
        Path outside = Files.writeString(dir.resolve("outside.ftl"), "secret ${text}");
        Files.createSymbolicLink(root.resolve("gcide/link.ftl"), outside);
        PromptRenderException e = assertThrows(PromptRenderException.class, () -> engine.load("gcide/link.ftl"));
        assertTrue(e.getMessage().contains("outside the templates root"), e.getMessage());
        // an include that Freemarker resolves through the link is refused as well
        PromptRenderException inc = refused("vialink.ftl", "<#include \"link.ftl\">");
        assertTrue(inc.getMessage().contains("outside the templates root"), inc.getMessage());
    }

    @Test
    void endlessLoopWithoutOutputIsStoppedByTheTimeLimit() throws IOException {
        long t0 = System.nanoTime();
        PromptRenderException e = refused("loop.ftl", "start\n<#list 1..999999999 as i></#list>");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().startsWith("gcide/loop.ftl:2:"), e.getMessage());
        assertTrue(e.getMessage().contains("time limit of 1000 ms"), e.getMessage());
        assertTrue(ms < 3000, "stopped after " + ms + " ms");
        assertEquals("Affray", render("after.ftl", "${meta.headword}"), "the next render works");
    }

    @Test
    void nestedLoopsAndRecursionAreStopped() throws IOException {
        assertTrue(refused("nested.ftl", "<#list 1..100000 as i><#list 1..100000 as j><#assign k = i * j></#list></#list>")
                .getMessage().contains("time limit"));
        PromptRenderException rec = refused("rec.ftl", "<#macro m n><@m n + 1/></#macro><@m 0/>");
        assertTrue(rec.getMessage().startsWith("gcide/rec.ftl:"), rec.getMessage());
        assertEquals("ok", render("after.ftl", "ok"));
    }

    @Test
    void runawayOutputIsStoppedByTheCap() throws IOException {
        PromptRenderException e = refused("big.ftl", "<#list 1..999999999 as i>${text}</#list>");
        assertTrue(e.getMessage().startsWith("gcide/big.ftl:1:"), e.getMessage());
        assertTrue(e.getMessage().contains("cap of 200 characters"), e.getMessage());
        assertEquals("ok", render("after.ftl", "ok"));
    }

    @Test
    void noSharedVariablesOrJavaObjectsAreReachable() {
        assertTrue(refused("shared.ftl", "<@compress>x</@compress>").getMessage().contains("undefined variable `compress`"));
        assertTrue(refused("cls.ftl", "${text.class}").getMessage().startsWith("gcide/cls.ftl:1:3:"));
        assertTrue(refused("stat.ftl", "${statics}").getMessage().contains("undefined variable `statics`"));
    }

    @Test
    void syntaxErrorsNamePlace() {
        PromptRenderException e = refused("syntax.ftl", "ok\n<#if text>");
        assertEquals("gcide/syntax.ftl", e.template());
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("syntax error"), e.getMessage());
    }

    @Test
    void clockIsRefusedButTheWordNowInTextIsFine() throws IOException {
        assertTrue(refused("now.ftl", "Today: ${.now}").getMessage().startsWith("gcide/now.ftl:1:10: the special variable .now"));
        assertTrue(refused("now2.ftl", "<#assign t = .now>${t}").getMessage().startsWith("gcide/now2.ftl:1:14:"));
        assertEquals("Answer now. Affray", render("text-now.ftl", "Answer now. ${meta.headword}"));
        assertTrue(refused("opt.ftl", "<#assign t = .get_optional_template(\"../wordnet/x.ftl\")>").getMessage()
                .startsWith("gcide/opt.ftl:1:14: the special variable .get_optional_template is not allowed"));
    }

    @Test
    void catastrophicRegexInOneBuiltinStillReturnsWithinTheLimit() throws IOException {
        // one ?matches call backtracks for minutes without entering any instruction or writing: only the
        // worker thread design gives the caller its answer on time (the thread is abandoned, as a daemon)
        try (TemplateEngine quick = new TemplateEngine(root, Escaping.PLAIN, Map.of(), 200, 200)) {
            Files.writeString(root.resolve("gcide/redos.ftl"), "${(\"a\"?left_pad(32, \"a\") + \"c\")?matches(\"(.*a){16}\")?c}");
            long t0 = System.nanoTime();
            PromptRenderException e = assertThrows(PromptRenderException.class,
                    () -> quick.render(quick.load("gcide/redos.ftl"), new RecordModel(AFFRAY, List.of("text"), Map.of())));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("time limit of 200 ms") && e.getMessage().contains("ignored an interrupt"), e.getMessage());
            assertTrue(ms < 4000, "caller waited " + ms + " ms");
            Files.writeString(root.resolve("gcide/after.ftl"), "ok");
            assertEquals("ok", quick.render(quick.load("gcide/after.ftl"), new RecordModel(AFFRAY, List.of("text"), Map.of())));
        }
    }

    @Test
    void attemptIsRefused() {
        String m = refused("attempt.ftl", "x\n<#attempt>${nope}<#recover>fallback</#attempt>").getMessage();
        assertTrue(m.startsWith("gcide/attempt.ftl:2:1: <#attempt> is not allowed"), m);
    }

    @Test
    void runtimeSandboxAloneRefusesNewAndApi() throws Exception {
        // bypasses the static source check: the Freemarker settings must refuse these on their own
        freemarker.template.Configuration cfg = engine.configuration();
        for (String src : List.of("${\"freemarker.template.utility.Execute\"?new()(\"id\")}",
                "${\"freemarker.template.utility.ObjectConstructor\"?new()(\"java.io.File\", \"/\")}", "${text?api.length()}")) {
            freemarker.template.Template t = new freemarker.template.Template("gcide/inline.ftl", src, cfg);
            PromptRenderException e = assertThrows(PromptRenderException.class,
                    () -> engine.render(t, new RecordModel(AFFRAY, List.of("text"), Map.of())));
            assertTrue(e.getMessage().startsWith("gcide/inline.ftl:1:"), e.getMessage());
            assertTrue(e.getMessage().contains("not allowed") || e.getMessage().contains("api"), e.getMessage());
        }
    }

    @Test
    void loopInAnIncludedTemplateIsStopped() throws IOException {
        Files.writeString(root.resolve("gcide/spin.ftl"), "<#list 1..999999999 as i></#list>");
        PromptRenderException e = refused("outer.ftl", "<#include \"spin.ftl\">");
        assertTrue(e.getMessage().startsWith("gcide/spin.ftl:1:"), e.getMessage());
        assertTrue(e.getMessage().contains("time limit"), e.getMessage());
    }

    @Test
    void concurrentRendersGiveTheirOwnResults() throws Exception {
        Files.writeString(root.resolve("gcide/id.ftl"), "${text}");
        freemarker.template.Template t = engine.load("gcide/id.ftl");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<String>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Record r = new Record("x" + i, "gcide", "law", "text " + i, "", Map.of());
                fs.add(pool.submit(() -> engine.render(t, new RecordModel(r, List.of("text"), Map.of()))));
            }
            for (int i = 0; i < 40; i++) assertEquals("text " + i, fs.get(i).get());
        } finally {
            pool.shutdownNow();
        }
    }
}
