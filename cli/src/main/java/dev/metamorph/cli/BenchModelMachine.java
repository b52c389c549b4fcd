package dev.metamorph.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine as {@code metamorph bench model} reports it: CPU model, cores, clock, SIMD width and
 * the SIMD flags from /proc/cpuinfo (a figure measured on one CPU does not travel to another), the
 * load average, and the peak FLOP rate = cores x FMA lanes x 2 x clock (one FMA result per lane per cycle assumed: a lower bound on parts with two FMA ports).
 */
record BenchModelMachine(String cpu, int cores, double mhz, int floatLanes, String simd, String flags, String loadAverage) {
    /** The /proc/cpuinfo flags that decide how fast the float kernels run, in this order when present. */
    static final List<String> SIMD_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16");

    /** The {@link #SIMD_FLAGS} present in a cpuinfo {@code flags} value. */
    static String simdFlags(String cpuinfoFlags) {
        List<String> present = List.of(cpuinfoFlags.trim().split("\\s+"));
        return String.join(" ", SIMD_FLAGS.stream().filter(present::contains).toList());
    }

    static BenchModelMachine probe() {
        String cpu = "unknown";
        double mhz = 0;
        String flags = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                if (key.equals("model name") && cpu.equals("unknown")) cpu = value;
                if (key.equals("cpu MHz") && mhz == 0) mhz = Double.parseDouble(value);
                if (key.equals("flags") && flags.isEmpty()) flags = " " + value + " ";
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or an unusual cpuinfo: report unknowns rather than fail the benchmark
        }
        int lanes;
        String simd;
        if (flags.contains(" avx512f ")) {
            lanes = 16;
            simd = "AVX-512";
        } else if (flags.contains(" avx2 ") && flags.contains(" fma ")) {
            lanes = 8;
            simd = "AVX2+FMA";
        } else {
            lanes = 4;
            simd = "SSE";
        }
        String load = "n/a";
        try {
            List<String> l = Files.readAllLines(Path.of("/proc/loadavg"));
            if (!l.isEmpty()) load = String.join(" ", List.of(l.get(0).split(" ")).subList(0, 3));
        } catch (IOException e) {
            // no /proc/loadavg: leave n/a
        }
        return new BenchModelMachine(cpu, Runtime.getRuntime().availableProcessors(), mhz, lanes, simd, simdFlags(flags), load);
    }

    /** Peak GFLOP/s for {@code threads} cores in float (double: half the lanes). */
    double peakGflops(int threads, boolean isDouble) {
        return threads * (isDouble ? floatLanes / 2 : floatLanes) * 2 * mhz / 1e3;
    }

    String describe() {
        return String.format(Locale.ROOT, "%s, %d cores, %.0f MHz, %s (%d float / %d double FMA lanes), flags: %s, load average %s",
                cpu, cores, mhz, simd, floatLanes, floatLanes / 2, flags, loadAverage);
    }

    /** CPU model and SIMD flags, as printed with every figure. */
    String cpuLine() {
        return cpu + " [" + flags + "]";
    }
}
