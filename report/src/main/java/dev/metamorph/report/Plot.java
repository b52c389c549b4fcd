package dev.metamorph.report;

/**
 * One PNG plot of the report.
 *
 * @param file    file name under {@code report/plots/}
 * @param title   heading shown above it
 * @param caption what it shows and how to read it
 * @param width   width in pixels (the PNG's)
 * @param height  height in pixels (the PNG's)
 * @param png     the encoded image; owned by this record, callers must not change it
 */
public record Plot(String file, String title, String caption, int width, int height, byte[] png) {}
