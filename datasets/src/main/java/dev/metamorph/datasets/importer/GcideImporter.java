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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webster's 1913 senses from GCIDE ({@code dict-gcide}'s dictd files). The label is the field tag of
 * the sense ({@code 4. (Law) The fighting of...}), else the tag of the entry header
 * ({@code Cantabile ... a. [It.] (Mus.)}), mapped by {@link GcideFieldMap}; untagged senses are not
 * imported. Senses marked {@code [WordNet 1.5]} are dropped (they would overlap the wordnet domain),
 * as are quotations, notes and synonym lists. Tagged phrase definitions ({@code {Bass clef} (Mus.),
 * the character...}) are kept. The text never contains the field tag.
 */
public final class GcideImporter implements SourceImporter {
    private static final Logger log = LoggerFactory.getLogger(GcideImporter.class);
    private static final Pattern NUMBERED = Pattern.compile("^\\s{0,8}(\\d{1,2})\\.\\s+(.*)$");
    private static final Pattern MARKER_LINE = Pattern.compile("^\\s*(\\[[^\\[\\]]*(Webster|WordNet|PJC|Century|RDH|AS|RHUD|MW|Suppl)[^\\[\\]]*\\])\\s*(.*)$");
    private static final Pattern WORDNET = Pattern.compile("\\[[^\\[\\]]*WordNet[^\\[\\]]*\\]");
    private static final Pattern LEADING_TAG = Pattern.compile("^\\s*\\(([A-Z][^()]{0,40})\\)\\s*");
    private static final Pattern ANY_TAG = Pattern.compile("\\(([A-Z][^()]{0,40})\\)");
    private static final Pattern PHRASE = Pattern.compile("^\\s*\\{([^{}]+)\\}\\s*\\(([A-Z][^()]{0,40})\\)\\s*,\\s*(.*)$", Pattern.DOTALL);
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern TRAILING_TAG = Pattern.compile("\\([A-Z][^()]{0,40}\\)\\s*$");
    private static final Pattern PRON = Pattern.compile("\\\\[^\\\\]*\\\\");

    private final GcideFieldMap fields = GcideFieldMap.load();

    /** Counts of what was left out, for the import log. */
    record Counts(int wordnet, int unlabelled) {}

    @Override
    public String domain() {
        return "gcide";
    }

    @Override
    public SourceInfo info() {
        return new SourceInfo("GCIDE", "0.48.5", "GPL-2.0-or-later (GNU Collaborative International Dictionary of English)");
    }

    @Override
    public String labelSet(DatasetConfig cfg) {
        return "field";
    }

    @Override
    public List<Record> read(DatasetConfig cfg, ImportProgress progress) {
        List<DictdArchive.Entry> entries = DictdArchive.read(Path.of(cfg.dictdDir()), "gcide", "dict-gcide");
        progress.start("gcide", entries.size());
        List<Record> out = new ArrayList<>();
        Map<String, Integer> perHeadword = new HashMap<>();
        int[] dropped = new int[2];
        int step = 0;
        for (DictdArchive.Entry e : entries) {
            for (Sense s : senses(e.text(), dropped)) {
                String label = fields.label(s.tag());
                if (label == null) {
                    dropped[1]++;
                    continue;
                }
                String text = stripTags(GcideText.clean(s.body()), label);
                if (text.split(" ").length < 2) continue;
                String entryHead = headword(e);
                String head = s.phrase() != null ? s.phrase() : entryHead;
                String key = GcideText.clean(entryHead).toLowerCase(Locale.ROOT).replace(' ', '_');
                int n = perHeadword.merge(key, 1, Integer::sum);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("headword", GcideText.clean(head));
                meta.put("tag", s.tag());
                if (s.number() != null) meta.put("sense", s.number());
                out.add(new Record("gcide:" + key + "#" + n, domain(), label, text, info().label(), meta));
            }
            if (++step % 4096 == 0) progress.advance(4096);
        }
        progress.advance(step % 4096);
        progress.finish();
        log.info("gcide: {} senses kept, {} [WordNet] senses dropped, {} tagged senses without a field label", out.size(), dropped[0], dropped[1]);
        return out;
    }

    /** The headword as printed at the start of the entry ({@code Carom \\Car"om\\, n.}), else the index's. */
    private static String headword(DictdArchive.Entry e) {
        String t = e.text().strip();
        int slash = t.indexOf(" \\");
        int nl = t.indexOf('\n');
        if (slash > 0 && (nl < 0 || slash < nl)) return t.substring(0, slash).strip();
        return e.headword();
    }

    /** One sense: its raw tag, its raw body, its number (null when unnumbered) and phrase (null unless a phrase). */
    record Sense(String tag, String body, String number, String phrase) {}

    /** Splits an entry into labelled senses (only those with a tag). {@code dropped[0]} counts WordNet senses. */
    static List<Sense> senses(String entry, int[] dropped) {
        List<List<String>> units = new ArrayList<>();
        List<String> cur = new ArrayList<>();
        for (String line : entry.split("\n", -1)) {
            if (line.isBlank()) {
                if (!cur.isEmpty()) units.add(cur);
                cur = new ArrayList<>();
                continue;
            }
            Matcher marker = MARKER_LINE.matcher(line);
            if (NUMBERED.matcher(line).matches() && !cur.isEmpty()) {
                units.add(cur);
                cur = new ArrayList<>();
            }
            if (marker.matches()) {
                cur.add(marker.group(1));
                units.add(cur);
                cur = new ArrayList<>();
                continue;
            }
            cur.add(line);
        }
        if (!cur.isEmpty()) units.add(cur);
        if (units.isEmpty()) return List.of();
        // A unit without a source marker of its own belongs to the next marker in the entry
        // (a sense followed by "Syn: ..." and then "[WordNet 1.5]" came from WordNet).
        boolean[] fromWordNet = new boolean[units.size()];
        boolean nextIsWordNet = false;
        for (int u = units.size() - 1; u >= 0; u--) {
            List<String> unit = units.get(u);
            String last = unit.get(unit.size() - 1);
            if (MARKER_LINE.matcher(last).matches()) nextIsWordNet = last.contains("WordNet");
            String joined = String.join("\n", unit);
            fromWordNet[u] = nextIsWordNet || WORDNET.matcher(joined).find() || joined.contains("WordNet 1.");
        }

        List<String> header = units.get(0);
        boolean numbered = units.stream().anyMatch(u -> NUMBERED.matcher(u.get(0)).matches());
        int headerEnd = numbered || NUMBERED.matcher(header.get(0)).matches() ? header.size() : headerLines(header);
        String headerText = String.join("\n", header.subList(0, Math.min(headerEnd, header.size())));
        String headerTag = lastTag(PRON.matcher(headerText).replaceAll(" "));

        List<Sense> out = new ArrayList<>();
        for (int u = 0; u < units.size(); u++) {
            List<String> unit = units.get(u);
            String joined = String.join("\n", unit);
            if (fromWordNet[u]) {
                dropped[0]++;
                continue;
            }
            Matcher num = NUMBERED.matcher(unit.get(0));
            if (u == 0 && !num.matches()) {
                if (numbered || headerEnd >= unit.size() || headerTag == null) continue;
                String body = String.join("\n", unit.subList(headerEnd, unit.size()));
                if (body.isBlank() || !Character.isLetter(body.strip().charAt(0))) continue;
                out.add(new Sense(normal(headerTag), body, null, null));
            } else if (num.matches()) {
                String body = num.group(2) + (unit.size() > 1 ? "\n" + String.join("\n", unit.subList(1, unit.size())) : "");
                Matcher lead = LEADING_TAG.matcher(body);
                String tag = headerTag;
                if (lead.find()) {
                    tag = lead.group(1).trim();
                    body = body.substring(lead.end());
                }
                if (tag != null) out.add(new Sense(normal(tag), body, num.group(1), null));
            } else {
                Matcher ph = PHRASE.matcher(joined);
                if (ph.matches()) out.add(new Sense(normal(ph.group(2)), ph.group(3), null, ph.group(1)));
            }
        }
        return out;
    }

    /** Number of header lines before an unnumbered definition: brackets and braces balanced, next line not a continuation. */
    private static int headerLines(List<String> lines) {
        int depth = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = i == 0 ? PRON.matcher(lines.get(i)).replaceAll(" ") : lines.get(i);
            for (int k = 0; k < l.length(); k++) {
                char c = l.charAt(k);
                if (c == '[' || c == '{') depth++;
                else if ((c == ']' || c == '}') && depth > 0) depth--;
            }
            if (depth == 0 && i + 1 < lines.size()) {
                String next = lines.get(i + 1).strip();
                if (next.isEmpty()) continue;
                char c = next.charAt(0);
                boolean endsWithTag = TRAILING_TAG.matcher(l).find();
                if (c != '[' && c != '(' && c != '{' && (endsWithTag || !Character.isLowerCase(c))) return i + 1;
            }
        }
        return lines.size();
    }

    private static String normal(String tag) {
        return SPACES.matcher(GcideText.entities(tag).strip()).replaceAll(" ");
    }

    private static String lastTag(String header) {
        Matcher m = ANY_TAG.matcher(header);
        String last = null;
        while (m.find()) {
            String t = m.group(1).trim();
            if (!t.startsWith("Pron") && !t.contains("?")) last = t;
        }
        return last;
    }

    /** Removes every parenthesised tag that maps to {@code label} (and the label itself in parentheses). */
    private String stripTags(String text, String label) {
        String t = TagStripper.removeParen(text, s -> {
            if (s.equalsIgnoreCase(label)) return true;
            String mapped = fields.label(s);
            return label.equals(mapped);
        });
        return TagStripper.tidy(t);
    }
}
