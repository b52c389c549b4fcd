package dev.metamorph.datasets.importer;

/** Where a domain's records come from: the source's name, version and licence (kept in every manifest). */
public record SourceInfo(String name, String version, String licence) {
    /** The {@code source} field of records, e.g. {@code GCIDE 0.48}. */
    public String label() {
        return version.isEmpty() ? name : name + " " + version;
    }
}
