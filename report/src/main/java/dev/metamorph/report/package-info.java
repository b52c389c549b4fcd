/**
 * A run folder's report: {@code report/report.html} (self-contained, plots embedded) and
 * {@code report/report.md} rendered with Freemarker from the folder's {@code metrics.jsonl},
 * {@code report/results.json}, resolved config and provenance, with PNG plots drawn by XChart;
 * and a multirun sweep's comparison page across its jobs. Reads files only, so a report can be
 * rebuilt after a template change or for a run that ended long ago.
 */
package dev.metamorph.report;
