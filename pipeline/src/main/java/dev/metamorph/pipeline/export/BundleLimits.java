package dev.metamorph.pipeline.export;

/**
 * Bounds checked before a bundle is read: the archive's size, the number of entries, each entry's
 * declared size and their sum (a zip bomb declares small sizes and inflates to huge ones, so reads
 * are also cut at the declared size).
 */
public record BundleLimits(long maxBundleBytes, int maxEntries, long maxEntryBytes, long maxTotalBytes) {
    /** 512 MiB archive, 2,000 entries, 256 MiB per entry, 1 GiB in all. */
    public static final BundleLimits DEFAULT = new BundleLimits(512L << 20, 2000, 256L << 20, 1L << 30);

    public BundleLimits {
        if (maxBundleBytes <= 0 || maxEntries <= 0 || maxEntryBytes <= 0 || maxTotalBytes <= 0) {
            throw new IllegalArgumentException("bundle limits must be positive: " + maxBundleBytes + ", " + maxEntries + ", " + maxEntryBytes + ", " + maxTotalBytes);
        }
    }
}
