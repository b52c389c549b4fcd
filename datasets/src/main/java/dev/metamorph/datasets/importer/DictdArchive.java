package dev.metamorph.datasets.importer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * A dictd database: {@code <name>.index} (headword TAB offset TAB length, numbers in dictd's base64)
 * and {@code <name>.dict.dz} (dictzip, which gzip reads). Splits the text into entries exactly as the
 * index says, without guessing entry boundaries. Entries listed under several headwords are returned
 * once, under the first headword in index order.
 */
public final class DictdArchive {
    private static final String B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /** One entry: its first headword and its text (invalid UTF-8 bytes are dropped). */
    public record Entry(String headword, String text, long offset) {}

    private DictdArchive() {}

    /**
     * Reads every entry of {@code dir/<name>.index} and {@code dir/<name>.dict.dz}, skipping dictd's
     * {@code 00-database-*} headers.
     *
     * @throws SourceMissingException when a file is missing, naming the Debian package to install
     */
    public static List<Entry> read(Path dir, String name, String debianPackage) {
        Path index = dir.resolve(name + ".index");
        Path dict = dir.resolve(name + ".dict.dz");
        for (Path p : List.of(index, dict)) {
            if (!Files.isRegularFile(p)) {
                throw new SourceMissingException("Data source '" + name + "' is not installed: " + p + " does not exist. Install it with "
                        + "'apt-get install -y --no-install-recommends " + debianPackage + "' (Debian/Ubuntu; .ci/run does this), "
                        + "or set dataset.dictd-dir to the folder holding " + name + ".index and " + name + ".dict.dz");
            }
        }
        byte[] data;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dict), 1 << 16)) {
            data = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + dict + " (" + e.getMessage() + "); reinstall " + debianPackage, e);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(index, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + index + " (" + e.getMessage() + "); reinstall " + debianPackage, e);
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.IGNORE).onUnmappableCharacter(CodingErrorAction.IGNORE);
        List<Entry> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            String[] f = line.split("\t");
            if (f.length < 3) {
                throw new IllegalStateException(index + ":" + lineNo + ": expected 'headword TAB offset TAB length', got '" + line
                        + "'; reinstall " + debianPackage);
            }
            if (f[0].startsWith("00-database-") || f[0].startsWith("00database")) continue;
            long off = decode(f[1], index, lineNo);
            long len = decode(f[2], index, lineNo);
            if (off + len > data.length) {
                throw new IllegalStateException(index + ":" + lineNo + ": entry '" + f[0] + "' ends at byte " + (off + len)
                        + " beyond the " + data.length + " bytes of " + dict + "; reinstall " + debianPackage);
            }
            if (!seen.add(off)) continue;
            try {
                String text = decoder.reset().decode(ByteBuffer.wrap(data, (int) off, (int) len)).toString();
                out.add(new Entry(f[0], text, off));
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new IllegalStateException("Cannot decode entry '" + f[0] + "' of " + dict, e);
            }
        }
        return out;
    }

    /** Decodes dictd's base64 number (most significant digit first). */
    static long decode(String s, Path index, int lineNo) {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = B64.indexOf(s.charAt(i));
            if (d < 0) throw new IllegalStateException(index + ":" + lineNo + ": '" + s + "' is not a dictd base64 number");
            v = v * 64 + d;
        }
        return v;
    }
}
