package dev.metamorph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LibraryNoiseFilterTest {
    @Test
    void dropsOnlyTheLibraryLines() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Constructor<LibraryNoiseFilter> c = LibraryNoiseFilter.class.getDeclaredConstructor(java.io.OutputStream.class);
        c.setAccessible(true);
        try (PrintStream ps = new PrintStream(c.newInstance(sink), true, StandardCharsets.UTF_8)) {
            ps.println("{\"a\":1}");
            ps.println("Added differentiated op slice");
            ps.print("partial ");
            ps.flush();
            ps.println("line");
            ps.println("Added differentiated op matmul_3");
            ps.println("Added something else");
        }
        assertEquals("{\"a\":1}\npartial line\nAdded something else\n", sink.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
}
