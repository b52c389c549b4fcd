package dev.metamorph.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Overrides and config text written to exhaust the parser, the sweep expander or the error messages. */
class HostileConfigInputTest {
    @Test
    void overrideNestingAndKeyDepthAreBounded() {
        assertTrue(OverrideParser.parse("a=" + "[".repeat(64) + "]".repeat(64)) != null, "64 levels are fine");
        ConfigError deep = assertThrows(ConfigError.class, () -> OverrideParser.parse("a=" + "[".repeat(65) + "]".repeat(65)));
        assertTrue(deep.getMessage().contains("nests more than 64 lists or maps deep") && deep.getMessage().contains("(column 67)"), deep.getMessage());
        assertThrows(ConfigError.class, () -> OverrideParser.parse("a=" + "{b:".repeat(100_000)));
        ConfigError key = assertThrows(ConfigError.class, () -> OverrideParser.parse("a" + ".a".repeat(64) + "=1"));
        assertTrue(key.getMessage().contains("more than 64 segments"), key.getMessage());
    }

    @Test
    void controlCharactersInAnOverrideAreRefusedAndShownEscaped() {
        for (String o : List.of("a=x\ny=1", "a=x\rb", "a='\u001b[2J'", "a=\u0085")) {
            ConfigError e = assertThrows(ConfigError.class, () -> OverrideParser.parse(o));
            assertTrue(e.getMessage().contains("control character U+"), e.getMessage());
            assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20 && c != '\n' || c == 0x85), "no raw control character: " + e.getMessage());
        }
        assertEquals("a\nb", ((OverrideValue.Primitive) OverrideParser.parse("x='a\\nb'").value()).value(), "the escape still works");
    }

    @Test
    void sweepProductIsCappedBeforeExpansion() {
        assertEquals(1000, SweepExpander.expand(List.of("a=range(0,10)", "b=range(0,100)")).size());
        ConfigError e = assertThrows(ConfigError.class, () -> SweepExpander.expand(List.of("a=range(0,1000)", "b=range(0,1000)", "c=1,2")));
        assertTrue(e.getMessage().startsWith("The sweep has at least 1000000 jobs (a (1000) x b (1000)), more than the 1000"), e.getMessage());
    }

    @Test
    void depthCheckSkipsStringsAndComments() {
        assertNull(HoconDepth.check("a = \"[[[[[[[[\" # {{{{{{{{{{\nb = \"\"\"[[[[[[[[\n[[[[\"\"\"\n", 3));
        assertEquals(new HoconDepth.TooDeep(2, 4), HoconDepth.check("a = 1\nb = [[{c = [1]}]]\n", 3));
        assertEquals(new HoconDepth.TooDeep(1, 4), HoconDepth.check("a.b.c.d.e = 1", 3));
        assertNull(HoconDepth.check("a = 1.5, b = 10.0.1", 3));
    }

    @Test
    void explainedErrorNamesTheOverrideAsTypedWithoutTypesafesOrigin() {
        ConfigOrigin merged = ConfigFactory.parseString("maml { inner-steps = 1 }").root().origin();
        ConfigException e = new ConfigException.BadValue(merged, "maml", "maml.inner-steps must be >= 1, got -1");
        Map<String, String> origins = Map.of("maml.inner-steps", "override #1 'maml.inner-steps=-1'", "maml.inner-lr", "configs/maml/default.conf:3");
        assertEquals("maml.inner-steps must be >= 1, got -1 (maml.inner-steps set at override #1 'maml.inner-steps=-1')",
                ConfigError.explained(e, origins).getMessage());
        ConfigException only = new ConfigException.BadValue(merged, "maml", "Unknown meta-learning algorithm 'foo'");
        assertEquals("Invalid value at 'maml': Unknown meta-learning algorithm 'foo' (maml.algorithm set at override #2 'maml.algorithm=foo')",
                ConfigError.explained(only, Map.of("maml.algorithm", "override #2 'maml.algorithm=foo'", "maml.inner-lr", "configs/maml/default.conf:3")).getMessage());
    }
}
