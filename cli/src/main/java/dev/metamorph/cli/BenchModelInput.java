package dev.metamorph.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metamorph.core.SeededRandom;
import dev.metamorph.model.ModelBenchmark;
import dev.metamorph.model.ModelConfig;
import dev.metamorph.model.TokenBatch;
import dev.metamorph.model.tokenizer.BpeTokenizer;
import dev.metamorph.model.tokenizer.BpeTrainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token batch {@code bench model} times: real definitions when the data cache has them (the
 * first {@link #CORPUS} records of gcide, wordnet or foldoc, whichever is found first, a BPE
 * tokenizer trained on them with the model's vocabulary size, {@code batch} of them drawn with a
 * seed and encoded as meta-training encodes them: truncated and padded to max-length), else
 * {@link ModelBenchmark#standIn} (Zipf-distributed ids, full length).
 *
 * @param batch the batch, owned by the caller
 * @param source what the ids are, as printed with the figures
 */
record BenchModelInput(TokenBatch batch, String source) {
    /** Records read to train the tokenizer and draw the batch from. */
    static final int CORPUS = 3000;
    /** Domains tried, in this order. */
    static final List<String> DOMAINS = List.of("gcide", "wordnet", "foldoc");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Real definitions from {@code cacheDir} when it holds one of the {@link #DOMAINS}, else the stand-in; both from {@code seed}. */
    static BenchModelInput of(ModelConfig c, int batch, int length, Path cacheDir, long seed) {
        SeededRandom rng = new SeededRandom(seed);
        for (String domain : DOMAINS) {
            Path file = cacheDir.resolve(domain + ".jsonl");
            if (!Files.isRegularFile(file) || length != c.maxLength()) continue;
            List<String> texts = texts(file);
            if (texts.size() < batch) continue;
            BpeTokenizer tok = BpeTrainer.train(texts, c.vocabSize(), 2, c.maxLength(), BpeTokenizer.Truncation.valueOf(c.truncation().name()));
            int[][] ids = new int[batch][];
            int[] labels = new int[batch];
            long real = 0;
            for (int i = 0; i < batch; i++) {
                int[] enc = tok.encode(texts.get(rng.nextInt(texts.size())));
                real += Math.min(enc.length, length);
                ids[i] = Arrays.copyOf(enc, length);
                labels[i] = i % c.ways();
            }
            String source = String.format("%s: %d definitions (of the first %d records; BPE %d), %.0f%% of positions real tokens, the rest padding",
                    file.getFileName(), batch, texts.size(), tok.vocabSize(), 100.0 * real / ((long) batch * length));
            return new BenchModelInput(TokenBatch.of(ids, labels), source);
        }
        String why = length != c.maxLength() ? "--length differs from max-length" : "no gcide/wordnet/foldoc in " + cacheDir;
        return new BenchModelInput(ModelBenchmark.standIn(c, batch, length, rng), "stand-in: Zipf(" + ModelBenchmark.ZIPF_EXPONENT + ") ids, full length (" + why + ")");
    }

    private static List<String> texts(Path file) {
        List<String> out = new ArrayList<>(CORPUS);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; out.size() < CORPUS && (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                JsonNode text = JSON.readTree(line).get("text");
                if (text != null && !text.asText().isBlank()) out.add(text.asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read definitions for bench model from " + file, e);
        }
        return out;
    }
}
