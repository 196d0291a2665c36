package io.github.dllmquant.examples.study;

import io.github.dllmquant.core.io.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * PNG charts of the study and the outlier report, drawn with JFreeChart and written atomically.
 */
public final class Charts {

    private static final int WIDTH = 1200;
    private static final int HEIGHT = 600;

    private Charts() {
    }

    /** Relative mean-NLL change of every quantized cell against fp, one bar per cell. */
    public static void nllChart(List<StudyCell> cells, Path png) throws IOException {
        StudyCell fp = cells.getFirst();
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (StudyCell c : cells.subList(1, cells.size())) {
            data.addValue(100 * c.nllIncreaseOver(fp), "mean masked NLL change vs fp (%)", c.label());
        }
        JFreeChart chart = ChartFactory.createBarChart("Masked NLL change against FP (lower is better)", "cell",
                "% change of mean NLL", data, PlotOrientation.VERTICAL, true, false, false);
        rotateLabels(chart);
        write(chart, png);
    }

    /** Math and code exact match of every cell. */
    public static void accuracyChart(List<StudyCell> cells, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (StudyCell c : cells) {
            data.addValue(100 * c.math().rate(), "math", c.label());
            data.addValue(100 * c.code().rate(), "code", c.label());
        }
        JFreeChart chart = ChartFactory.createBarChart("Exact match by cell", "cell", "exact match (%)", data,
                PlotOrientation.VERTICAL, true, false, false);
        rotateLabels(chart);
        write(chart, png);
    }

    /**
     * A line chart with one series per name over shared category labels (for example per-layer
     * {@code max|x|} of each linear group).
     */
    public static void lineChart(String title, String xLabel, String yLabel, List<String> categories,
                                 Map<String, double[]> series, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        series.forEach((name, values) -> {
            for (int i = 0; i < values.length; i++) {
                data.addValue(values[i], name, categories.get(i));
            }
        });
        JFreeChart chart = ChartFactory.createLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        write(chart, png);
    }

    /** A bar chart of one series (for example max|x| per channel). */
    public static void barChart(String title, String xLabel, String yLabel, List<String> categories, double[] values,
                                Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int i = 0; i < values.length; i++) {
            data.addValue(values[i], yLabel, categories.get(i));
        }
        JFreeChart chart = ChartFactory.createBarChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                false, false, false);
        write(chart, png);
    }

    private static void rotateLabels(JFreeChart chart) {
        chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }

    private static void write(JFreeChart chart, Path png) throws IOException {
        AtomicFiles.write(png, ch -> ChartUtils.writeChartAsPNG(Channels.newOutputStream(ch), chart, WIDTH, HEIGHT));
    }
}
