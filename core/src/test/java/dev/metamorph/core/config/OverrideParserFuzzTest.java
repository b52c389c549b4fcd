package dev.metamorph.core.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.typesafe.config.ConfigFactory;
import java.util.List;

/**
 * Any text as a command-line override: the only acceptable outcomes are a parsed override whose
 * value renders to HOCON that Typesafe Config reads back, or a {@link ConfigError}. Regression mode
 * (every {@code mvn test}) replays the seeds in {@code OverrideParserFuzzTestInputs/}; {@code -Pfuzz} fuzzes.
 */
class OverrideParserFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void overrideParsesOrFailsWithAConfigError(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        ConfigOverride o;
        try {
            o = OverrideParser.parse(text);
        } catch (ConfigError expected) {
            return;
        }
        if (o.value() != null && !(o.value() instanceof OverrideValue.Sweep)) {
            ConfigFactory.parseString("v = " + o.value().toHocon()); // must not throw: the applier parses exactly this
        }
        try {
            SweepExpander.expand(List.of(text));
        } catch (ConfigError expected) {
            // a sweep over too many values
        }
        HoconDepth.check(text, HoconDepth.MAX_DEPTH);
    }
}
