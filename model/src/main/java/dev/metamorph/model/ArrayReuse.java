package dev.metamorph.model;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;

/**
 * Makes a SameDiff graph reuse its intermediate arrays between calls. On this kind of VM a fresh
 * 2 MB native buffer costs ~7-16 ms of page faults, so allocation, not arithmetic, dominated the
 * encoder's time. M2.1's session cache is sized as a fraction of JavaCPP's max physical bytes,
 * which the launcher sets to 0 (to avoid JavaCPP's accounting overhead): that disables the
 * cache, so it is sized explicitly here.
 */
final class ArrayReuse {
    private static final long CACHE_BYTES = 1L << 30;

    private ArrayReuse() {}

    /** Sizes the array cache of the calling thread's session of {@code sd} (call after its first call). */
    static void enable(SameDiff sd) {
        InferenceSession s = sd.getSessions().get(Thread.currentThread().getId());
        if (s == null) return;
        if (s.getMmgr() instanceof ArrayCacheMemoryMgr m) {
            if (m.isEnableCache() && m.getMaxCacheBytes() >= CACHE_BYTES) return;
            configure(m);
        } else {
            ArrayCacheMemoryMgr m = new ArrayCacheMemoryMgr();
            configure(m);
            s.setMmgr(m);
        }
    }

    private static void configure(ArrayCacheMemoryMgr m) {
        m.setEnableCache(true);
        m.setMaxCacheBytes(CACHE_BYTES);
        m.setTotalMemBytes(Math.max(m.getTotalMemBytes(), 4 * CACHE_BYTES));
    }
}
