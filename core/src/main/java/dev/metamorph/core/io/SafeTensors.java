package dev.metamorph.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.metamorph.core.run.AtomicFiles;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes Hugging Face safetensors files: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the tensors' little-endian
 * row-major bytes. Writes go through {@link AtomicFiles} (written fully, forced, verified by size and
 * SHA-256, then renamed atomically), so a failed or interrupted write leaves an existing file untouched.
 */
public final class SafeTensors {
    private static final Logger LOG = LoggerFactory.getLogger(SafeTensors.class);

    private SafeTensors() {}

    /** Called after each tensor's data is written; lets tests interrupt a write part-way. */
    @FunctionalInterface
    interface WriteProgress {
        void tensorWritten(String name) throws IOException;
    }

    /**
     * Writes {@code tensors} to {@code file}, replacing it atomically.
     *
     * @param file target file; its folder is created if missing
     * @param tensors names to arrays; data and header keys keep the map's iteration order
     *     (use a {@link LinkedHashMap}). Views and Fortran-order arrays are written in C order.
     *     ND4J types DOUBLE, FLOAT, HALF, BFLOAT16, LONG, INT, SHORT, BYTE, UBYTE and BOOL are supported.
     * @param metadata written as {@code __metadata__}; may be empty or {@code null}
     * @throws IllegalArgumentException if a name is empty or {@code __metadata__}, or an array's type is unsupported
     * @throws UncheckedIOException if the file cannot be written (an existing file is then unchanged)
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) {
        write(file, tensors, metadata, name -> { });
    }

    static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata, WriteProgress progress) {
        if (file == null) throw new IllegalArgumentException("safetensors target file must be set");
        if (tensors == null) throw new IllegalArgumentException("tensors to write to " + file + " must be set (may be empty)");
        Map<String, String> meta = checkedMetadata(file, metadata);
        List<String> names = new ArrayList<>();
        List<INDArray> arrays = new ArrayList<>();
        List<TensorInfo> infos = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("Cannot write " + file + ": tensor names must be non-empty, got "
                        + (name == null ? "null" : "\"\""));
            }
            if (name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("Cannot write " + file + ": \"" + name
                        + "\" is reserved for metadata; pass it in the metadata map or rename the tensor");
            }
            if (a == null) throw new IllegalArgumentException("Cannot write " + file + ": tensor '" + name + "' is null");
            TensorDtype dtype = TensorDtype.of(a.dataType()).orElseThrow(() -> new IllegalArgumentException(
                    "Cannot write " + file + ": tensor '" + name + "' has ND4J type " + a.dataType()
                            + ", which safetensors (" + TensorDtype.knownCodes() + ") cannot hold; castTo() a supported type first"));
            List<Long> shape = new ArrayList<>();
            for (long d : a.shape()) shape.add(d);
            long bytes = Math.multiplyExact(a.length(), dtype.byteSize());
            infos.add(new TensorInfo(name, dtype, shape, offset, offset + bytes));
            names.add(name);
            arrays.add(a);
            offset += bytes;
        }
        byte[] header = new SafeTensorsHeader(infos, meta).encode();
        Path target = file.toAbsolutePath();
        AtomicFiles.write(target, os -> {
            WritableByteChannel ch = Channels.newChannel(os);
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            prefix.flip();
            TensorCodec.writeFully(prefix, ch);
            TensorCodec.writeFully(ByteBuffer.wrap(header), ch);
            for (int i = 0; i < arrays.size(); i++) {
                TensorCodec.write(TensorCodec.contiguousC(arrays.get(i)), infos.get(i).dtype(), ch);
                progress.tensorWritten(names.get(i));
            }
        });
        LOG.debug("Wrote {} tensors ({} data bytes) to {}", infos.size(), offset, target);
    }

    private static Map<String, String> checkedMetadata(Path file, Map<String, String> metadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (metadata == null) return meta;
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            if (m.getKey() == null || m.getValue() == null) {
                throw new IllegalArgumentException("Cannot write " + file + ": metadata keys and values must be non-null, got "
                        + m.getKey() + " = " + m.getValue());
            }
            meta.put(m.getKey(), m.getValue());
        }
        return meta;
    }

    /**
     * Reads {@code file} and checks every rule of the format (header size, UTF-8 JSON object without
     * duplicate keys, known dtypes, offsets inside the buffer and matching the shape, byte ranges
     * tiling the buffer with no gap or overlap, non-empty names).
     *
     * @throws SafeTensorsFormatException if the file breaks a rule; the message names file, tensor and problem
     * @throws UncheckedIOException if the file cannot be read
     */
    public static SafeTensorsFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafeTensorsFormatException(file, null, "truncated: the file has " + size
                        + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, prefix, 0, file);
            long headerLength = prefix.flip().getLong();
            if (headerLength < 0 || headerLength > SafeTensorsHeader.MAX_HEADER_BYTES) {
                throw new SafeTensorsFormatException(file, null, "header too big: its length field says "
                        + Long.toUnsignedString(headerLength) + " bytes, more than the limit of "
                        + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes");
            }
            if (headerLength > size - 8) {
                throw new SafeTensorsFormatException(file, null, "truncated: the header length field says " + headerLength
                        + " bytes but only " + (size - 8) + " bytes follow it");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBytes, 8, file);
            long bufferStart = 8 + headerLength;
            long bufferLength = size - bufferStart;
            SafeTensorsHeader header = SafeTensorsHeader.parse(file, headerBytes.array(), bufferLength);
            return new SafeTensorsFile(file, header, map(ch, file, header, bufferStart, bufferLength));
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("Cannot read safetensors file " + file + ": it does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read safetensors file " + file + ": " + e, e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new SafeTensorsFormatException(file, null, "truncated: the file ended while reading it");
            pos += n;
        }
    }

    /** Maps the data buffer read-only (in one piece when it fits, else one mapping per tensor). */
    private static Map<String, ByteBuffer> map(FileChannel ch, Path file, SafeTensorsHeader header,
            long bufferStart, long bufferLength) throws IOException {
        Map<String, ByteBuffer> out = new HashMap<>();
        if (bufferLength <= Integer.MAX_VALUE) {
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, bufferStart, bufferLength);
            for (TensorInfo t : header.tensors()) {
                out.put(t.name(), all.slice((int) t.begin(), (int) t.byteLength()));
            }
            return out;
        }
        for (TensorInfo t : header.tensors()) {
            if (t.byteLength() > Integer.MAX_VALUE) {
                throw new UncheckedIOException(new IOException("Cannot read " + file + ": tensor '" + t.name() + "' has "
                        + t.byteLength() + " bytes, more than 2 GiB in one piece; split it into smaller tensors when writing"));
            }
            out.put(t.name(), ch.map(FileChannel.MapMode.READ_ONLY, bufferStart + t.begin(), t.byteLength()));
        }
        return out;
    }
}
