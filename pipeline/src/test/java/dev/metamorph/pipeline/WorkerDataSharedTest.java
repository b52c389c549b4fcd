package dev.metamorph.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The workers of one JVM (a Spark executor's task threads) share one copy of a recipe's data: the
 * same recipe gives the same instance, another recipe (training vs evaluation stores, another
 * config) its own; a JVM keeps the last two recipes. Needs the imported data ({@code .ci/run} does it).
 */
class WorkerDataSharedTest {
    @Test
    void oneRecipeIsBuiltOncePerJvmAndAnotherGetsItsOwn() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(root.resolve(".cache/data/gcide.jsonl")), "needs .cache/data (./metamorph data import)");
        Config c = ConfigFactory.parseString("model.base = none\nmodel.max-length = 16").withFallback(ConfigFactory.defaultReference()).resolve();
        String text = c.root().render(ConfigRenderOptions.concise());
        BpeTokenizer tok = BpeTrainer.train(List.of("a definition of a word", "another definition"), 40, 1, 16, BpeTokenizer.Truncation.HEAD);
        String tokenizer = DefinitionsTasks.tokenizerText(tok);
        WorkerData a = WorkerData.shared(text, root.toString(), tokenizer, false);
        assertSame(a, WorkerData.shared(text, root.toString(), tokenizer, false));
        WorkerData e = WorkerData.shared(text, root.toString(), tokenizer, true);
        assertNotSame(a, e);
        assertSame(e, WorkerData.shared(text, root.toString(), tokenizer, true));
        assertEquals(a.byId().keySet(), e.byId().keySet());
        // a third recipe evicts the least recently used (the training one): it is built again
        String other = ConfigFactory.parseString("model.base = none\nmodel.max-length = 12").withFallback(ConfigFactory.defaultReference()).resolve().root().render(ConfigRenderOptions.concise());
        WorkerData.shared(other, root.toString(), tokenizer, false);
        assertSame(e, WorkerData.shared(text, root.toString(), tokenizer, true));
        assertNotSame(a, WorkerData.shared(text, root.toString(), tokenizer, false));
    }
}
