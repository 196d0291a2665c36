package io.github.dllmquant.methods;

import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.progress.Progress;
import io.github.dllmquant.core.progress.ProgressListener;
import io.github.dllmquant.core.quant.QuantizedWeight;
import io.github.dllmquant.core.quant.WeightQuantizer;
import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.core.spi.QuantizableBlock;
import io.github.dllmquant.core.spi.QuantizableModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The walk over a model that feeds a {@link QuantizationMethod} (IST-DASLab/gptq {@code llama_sequential},
 * ptq-methods.md §3): {@code prepareModel}, embed the calibration windows, then for each block capture its
 * inputs, let the method quantize it, and recompute its outputs as the next block's inputs — from the
 * quantized block when the method propagates errors (GPTQ, RTN), from the full-precision block otherwise
 * (AWQ). A method that already computed the quantized block's outputs returns them
 * ({@link QuantizationMethod#quantizeBlockWithOutputs}) and the block is not run again.
 *
 * <p>Memory stays bounded by one block's inputs and outputs plus the method's statistics: the whole model's
 * activations are never held. Progress is reported as "block i of n: stage"; the walk honours
 * {@link Thread#interrupt()} between sequences and blocks; non-finite activations raise a
 * {@link QuantizationException} naming the block.
 */
public final class Calibrator {

    private static final Logger LOG = LoggerFactory.getLogger(Calibrator.class);
    /** Progress units per block. */
    private static final long UNITS = 1000;

    private Calibrator() {
    }

    /**
     * Quantizes {@code model} in place with a recipe and a calibration set.
     *
     * @param model       the model, quantized in place
     * @param recipe      method, scheme and knobs
     * @param calibration the calibration source and masking (the model's mask token is used)
     * @param tokenizer   text → ids without BOS (the runtime's tokenizer); may be null for token-id sources
     * @param progress    "block i of n: stage" updates
     * @return what was done, per block and layer
     */
    public static QuantizationReport quantize(QuantizableModel model, Recipe recipe, Calibration calibration,
                                              Function<String, int[]> tokenizer, ProgressListener progress) {
        List<int[]> windows = calibration.windows(tokenizer, model.dims().maskTokenId());
        QuantizationReport report = quantize(model, recipe.build(), recipe.toString(), windows, progress);
        if (recipe.quantizeLmHead()) {
            quantizeLmHead(model, recipe);
        }
        if (recipe.embeddingBits() > 0) {
            quantizeEmbeddings(model, recipe);
        }
        return report;
    }

    /**
     * Quantizes {@code model} in place with a method on given windows.
     *
     * @param windows token id sequences, all of one length
     */
    public static QuantizationReport quantize(QuantizableModel model, QuantizationMethod method, String description,
                                              List<int[]> windows, ProgressListener progress) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("no calibration windows");
        }
        int tokens = windows.getFirst().length;
        for (int[] w : windows) {
            if (w.length != tokens) {
                throw new IllegalArgumentException("calibration windows must have one length: " + tokens + " and " + w.length);
            }
        }
        long start = System.nanoTime();
        int n = model.blockCount();
        int hidden = model.dims().hidden();
        method.prepareModel(model, p -> progress.onProgress(new Progress("prepare: " + p.stage(), 0, n * UNITS)));

        List<float[]> inputs = new ArrayList<>(windows.size());
        for (int[] w : windows) {
            inputs.add(model.embed(w));
        }
        List<BlockReport> reports = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            QuantizableBlock block = model.block(i);
            int index = i;
            requireFiniteWeights(block);
            for (int s = 0; s < inputs.size(); s++) {
                Activations.requireFinite(inputs.get(s), tokens, hidden, "block " + i + " input (window " + s + ")");
            }
            List<float[]> fpOutputs = null;
            if (!method.propagatesQuantizedOutputs()) {
                progress.onProgress(new Progress("block " + (i + 1) + " of " + n + ": full-precision outputs", i * UNITS, n * UNITS));
                fpOutputs = forwardAll(block, inputs, tokens);
            }
            ProgressListener inner = p -> progress.onProgress(new Progress(
                    "block " + (index + 1) + " of " + n + ": " + p.stage(),
                    index * UNITS + Math.min(UNITS - 1, p.done() * UNITS / p.total()), n * UNITS));
            BlockOutcome outcome = method.quantizeBlockWithOutputs(block, inputs, tokens, inner);
            BlockReport report = outcome.report();
            reports.add(report);
            LOG.debug("block {} of {}: {} layers in {} ms", i + 1, n, report.layers().size(), report.millis());
            checkInterrupted("after quantizing block " + i);
            if (fpOutputs != null) {
                inputs = fpOutputs;
            } else if (outcome.outputs() != null) {
                if (outcome.outputs().size() != inputs.size()) {
                    throw new IllegalStateException(method.name() + " returned " + outcome.outputs().size()
                            + " outputs of block " + i + " for " + inputs.size() + " inputs");
                }
                inputs = outcome.outputs(); // computed by the method with the final layers
            } else {
                progress.onProgress(new Progress("block " + (i + 1) + " of " + n + ": quantized outputs",
                        i * UNITS + UNITS - 1, n * UNITS));
                inputs = forwardAll(block, inputs, tokens);
            }
            progress.onProgress(new Progress("block " + (i + 1) + " of " + n + " done", (i + 1) * UNITS, n * UNITS));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        QuantizationReport result = new QuantizationReport(method.name(), description, windows.size(), tokens, reports, millis);
        LOG.info("{}", result.summary());
        return result;
    }

    /**
     * A NaN or infinite weight would poison the method's statistics and surface later as a non-finite
     * activation of another layer: name the layer that holds it before the block is touched.
     */
    private static void requireFiniteWeights(QuantizableBlock block) {
        for (LinearRole role : LinearRole.values()) {
            Linear l = block.linear(role);
            float[] w = l.effectiveWeight();
            int in = l.inFeatures();
            for (int k = 0; k < w.length; k++) {
                if (!Float.isFinite(w[k])) {
                    throw new QuantizationException("non-finite weight in " + block.name(role) + ": row " + k / in
                            + ", column " + k % in + " is " + w[k]);
                }
            }
        }
    }

    private static List<float[]> forwardAll(QuantizableBlock block, List<float[]> inputs, int tokens) {
        List<float[]> outputs = new ArrayList<>(inputs.size());
        for (float[] x : inputs) {
            checkInterrupted("in block " + block.index());
            outputs.add(block.forward(x, tokens, ActivationObserver.NONE));
        }
        return outputs;
    }

    private static void checkInterrupted(String where) {
        if (Thread.currentThread().isInterrupted()) {
            throw new QuantizationException("quantization interrupted " + where);
        }
    }

    /**
     * Round to nearest, asymmetric min/max, at {@link Recipe#embeddingBits()}; the recipe's group size when
     * it divides the hidden width, else one group per row.
     */
    private static void quantizeEmbeddings(QuantizableModel model, Recipe recipe) {
        int hidden = model.dims().hidden();
        int g = recipe.weightQuantizer().groupSize();
        int group = g != -1 && hidden % g == 0 ? g : -1;
        float[] table = model.embeddings();
        int rows = table.length / hidden;
        QuantizedWeight q = WeightQuantizer.of(recipe.embeddingBits(), group, false).quantize(table, rows, hidden);
        model.setQuantizedEmbeddings(q);
    }

    /** Round to nearest, weight-only, on the recipe's grid (group size falls back to per channel if it does not divide). */
    private static void quantizeLmHead(QuantizableModel model, Recipe recipe) {
        Linear head = model.lmHead();
        WeightQuantizer grid = recipe.weightQuantizer();
        int group = grid.groupSize() != -1 && head.inFeatures() % grid.groupSize() != 0 ? -1 : grid.groupSize();
        grid = new WeightQuantizer(recipe.lmHeadBits(), group, grid.symmetric(), grid.grid(), grid.mseClip());
        QuantizedWeight q = grid.quantize(head.effectiveWeight(), head.outFeatures(), head.inFeatures());
        model.setLmHead(QuantizedLinears.of(q, head.bias(), null, null));
    }
}
