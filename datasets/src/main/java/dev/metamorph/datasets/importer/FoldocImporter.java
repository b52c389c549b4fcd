package dev.metamorph.datasets.importer;

import dev.metamorph.core.data.Record;
import dev.metamorph.datasets.DatasetConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Entries of the Free On-line Dictionary of Computing ({@code dict-foldoc}'s dictd files). The label
 * is the {@code <category>} at the start of the entry (or of each numbered sense); the first of
 * several comma-separated categories is used. Category tags are removed from the text, {@code {links}}
 * unwrapped and the trailing {@code (yyyy-mm-dd)} date dropped. Entries without a category are skipped.
 */
public final class FoldocImporter implements SourceImporter {
    private static final Pattern LEADING_CATEGORY = Pattern.compile("^\\s*<([^<>]{1,60})>\\s*");
    private static final Pattern CATEGORY = Pattern.compile("<\\s*([a-z][a-z0-9 ,/&\\-]{0,58})\\s*>");
    private static final Pattern NUMBERED = Pattern.compile("(?m)^\\s{0,6}\\d{1,2}\\.\\s+(?=<)");
    private static final Pattern DATE = Pattern.compile("\\(\\d{4}-\\d{2}-\\d{2}\\)");
    private static final Pattern BRACES = Pattern.compile("\\{([^{}]*)\\}");

    @Override
    public String domain() {
        return "foldoc";
    }

    @Override
    public SourceInfo info() {
        return new SourceInfo("FOLDOC", "2023-01-19", "GFDL-1.1-or-later (Free On-line Dictionary of Computing, Denis Howe)");
    }

    @Override
    public String labelSet(DatasetConfig cfg) {
        return "category";
    }

    @Override
    public List<Record> read(DatasetConfig cfg, ImportProgress progress) {
        List<DictdArchive.Entry> entries = DictdArchive.read(Path.of(cfg.dictdDir()), "foldoc", "dict-foldoc");
        progress.start("foldoc", entries.size());
        List<Record> out = new ArrayList<>();
        Map<String, Integer> perHeadword = new HashMap<>();
        for (DictdArchive.Entry e : entries) {
            String text = e.text();
            int nl = text.indexOf('\n');
            String headword = (nl < 0 ? text : text.substring(0, nl)).strip();
            String body = nl < 0 ? "" : text.substring(nl + 1);
            for (String[] sense : senses(body)) {
                String key = e.headword().toLowerCase(Locale.ROOT);
                int n = perHeadword.merge(key, 1, Integer::sum);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("headword", headword.isEmpty() ? e.headword() : headword);
                meta.put("categories", sense[2]);
                out.add(new Record("foldoc:" + key + "#" + n, domain(), sense[0], sense[1], info().label(), meta));
            }
            progress.advance(1);
        }
        progress.finish();
        return out;
    }

    /** The labelled senses of an entry body: {label, cleaned text, raw category list}. */
    static List<String[]> senses(String body) {
        List<String> parts = new ArrayList<>();
        Matcher m = NUMBERED.matcher(body);
        int start = 0;
        while (m.find()) {
            if (m.start() > start) parts.add(body.substring(start, m.start()));
            start = m.end();
        }
        parts.add(body.substring(start));
        List<String[]> out = new ArrayList<>();
        for (String part : parts) {
            Matcher lead = LEADING_CATEGORY.matcher(part);
            if (!lead.find()) continue;
            String raw = lead.group(1).trim();
            String label = raw.split(",")[0].trim().toLowerCase(Locale.ROOT);
            if (label.isEmpty() || !Character.isLetter(label.charAt(0))) continue;
            String text = TagStripper.tidy(TagStripper.removeParen(clean(part.substring(lead.end())), s -> s.equalsIgnoreCase(label)));
            if (text.split(" ").length < 2) continue;
            out.add(new String[] {label, text, raw.toLowerCase(Locale.ROOT)});
        }
        return out;
    }

    static String clean(String text) {
        String t = DATE.matcher(text).replaceAll(" ");
        String prev;
        int guard = 0;
        do {
            prev = t;
            t = BRACES.matcher(t).replaceAll("$1");
        } while (!t.equals(prev) && ++guard < 10);
        t = CATEGORY.matcher(t).replaceAll(" ");
        return TagStripper.tidy(t);
    }
}
