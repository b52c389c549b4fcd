package dev.metamorph.prompts;

/**
 * One problem found in a templates root: where (file:line or template:line:col), what, and what to do.
 *
 * @param where file and position, e.g. {@code templates/gcide/templates.conf:12}
 * @param what what is wrong
 * @param fix what to do about it
 */
public record CatalogProblem(String where, String what, String fix) {
    @Override
    public String toString() {
        return where + ": " + what + (fix == null || fix.isBlank() ? "" : "; " + fix);
    }
}
