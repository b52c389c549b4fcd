package dev.metamorph.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import picocli.CommandLine;

/**
 * Runs {@code metamorph} commands in-process against the project's real configs/ and templates/
 * (the project root is the parent of the cli module) and captures their output and exit code.
 */
abstract class CliTestBase {
    private static String oldRoot;

    /** A command's exit code and what it printed. */
    record Result(int code, String out, String err) {}

    @BeforeAll
    static void projectRoot() {
        oldRoot = System.getProperty("metamorph.root");
        System.setProperty("metamorph.root", Path.of("..").toAbsolutePath().normalize().toString());
    }

    @AfterAll
    static void restoreRoot() {
        if (oldRoot == null) System.clearProperty("metamorph.root");
        else System.setProperty("metamorph.root", oldRoot);
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ExitCodes.configure(new CommandLine(new MetamorphCommand()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** The events named {@code name} of a run folder's metrics.jsonl, in order. */
    static java.util.List<com.fasterxml.jackson.databind.JsonNode> events(java.nio.file.Path runDir, String name) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<com.fasterxml.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
            if (name.equals(n.path("event").asText())) out.add(n);
        }
        return out;
    }
}
