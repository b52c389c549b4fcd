package dev.metamorph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metamorph.memory.MemoryBenchmark;
import dev.metamorph.memory.MemoryConfig;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code metamorph bench memory}: read and write time of the external memory at 1k to 1M slots,
 * dense and top-k, and the bytes a slot takes (see {@link MemoryBenchmark} for what each mode times).
 */
@Command(name = "memory", mixinStandardHelpOptions = true, description = "Benchmark: external memory read/write time at 1k-1M slots, dense and top-k; bytes per slot.")
public final class BenchMemoryCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", description = "Print one JSON object per line and measurement (slots, mode, read_us, write_us, bytes_per_slot, ...).")
    boolean json;

    @Option(names = "--slots", split = ",", description = "Slot counts (default: ${DEFAULT-VALUE}).", defaultValue = "1000,10000,100000,1000000")
    List<Integer> slots;

    @Option(names = "--key-size", description = "Key width (default: memory.key-size of the reference config).")
    Integer keySize;

    @Option(names = "--value-size", description = "Value width (default: memory.value-size of the reference config).")
    Integer valueSize;

    @Option(names = "--top-k", description = "k of the top-k mode (default: ${DEFAULT-VALUE}).", defaultValue = "32")
    int topK;

    @Option(names = "--repeats", description = "Timed calls per figure at 1k slots (fewer at larger sizes, at least 3); the median is reported (default: ${DEFAULT-VALUE}).", defaultValue = "200")
    int repeats;

    @Option(names = "--seed", description = "Seed of keys, values and queries (default: ${DEFAULT-VALUE}).", defaultValue = "7")
    long seed;

    @Override
    public Integer call() throws Exception {
        MemoryConfig defaults = MemoryConfig.defaults();
        int kd = keySize == null ? defaults.keySize() : keySize, vd = valueSize == null ? defaults.valueSize() : valueSize;
        if (topK < 1) throw new ExitCodes.UserError("--top-k must be >= 1, got " + topK);
        if (repeats < 1) throw new ExitCodes.UserError("--repeats must be >= 1, got " + repeats);
        for (int s : slots) if (s < 1) throw new ExitCodes.UserError("--slots must be >= 1, got " + s);
        BenchModelMachine machine = BenchModelMachine.probe();
        if (!json) {
            System.out.println("metamorph bench memory");
            System.out.println("protocol: a filled memory of key width " + kd + ", value width " + vd + " (float64); median wall time per call, one thread."
                    + " dense: read over every slot, LRUA write (weights over every slot, erase/add of keys and values);"
                    + " top-k: read of the " + topK + " most similar slots (the cosine scan covers every slot), one hard write into the full store (eviction scan)");
            System.out.println("machine: " + machine.describe());
            System.out.printf(Locale.ROOT, "%10s %6s %12s %12s %10s %8s%n", "slots", "mode", "read_us", "write_us", "bytes/slot", "repeats");
        }
        int[] counts = slots.stream().mapToInt(Integer::intValue).toArray();
        for (MemoryBenchmark.Row r : MemoryBenchmark.run(counts, kd, vd, topK, repeats, seed)) {
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                o.put("slots", r.slots());
                o.put("mode", r.mode());
                if (r.topK() > 0) o.put("top_k", r.topK());
                o.put("read_us", Math.round(r.readMicros() * 10) / 10.0);
                o.put("write_us", Math.round(r.writeMicros() * 10) / 10.0);
                o.put("bytes_per_slot", r.bytesPerSlot());
                o.put("key_size", kd);
                o.put("value_size", vd);
                o.put("repeats", r.repeats());
                o.put("cpu", machine.cpu());
                o.put("load_average", machine.loadAverage());
                System.out.println(JSON.writeValueAsString(o));
            } else {
                System.out.printf(Locale.ROOT, "%10d %6s %12.1f %12.1f %10d %8d%n", r.slots(), r.mode(), r.readMicros(), r.writeMicros(), r.bytesPerSlot(), r.repeats());
            }
        }
        return ExitCodes.OK;
    }
}
