package io.github.dllmquant.runtime.model;

import io.github.dllmquant.runtime.likelihood.MaskedNll;
import io.github.dllmquant.runtime.likelihood.NllResult;
import io.github.dllmquant.core.progress.ProgressListener;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link DiffusionLm#logitsOfRows} skips the last layer's and the LM head's work for rows nobody reads; the
 * rows it returns must have exactly the bits of the full batched forward, and the masked NLL built on it
 * must be exactly the sum over the full logits.
 */
class RowSelectionTest {

    @Test
    void selectedRowsHaveTheBitsOfTheFullBatchedForward() throws Exception {
        for (String name : List.of("tiny-llada", "tiny-dream")) {
            try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/" + name))) {
                SplittableRandom random = new SplittableRandom(3);
                List<int[]> sequences = List.of(ids(random, 5, model), ids(random, 15, model), ids(random, 128, model),
                        ids(random, 33, model));
                List<int[]> rows = List.of(new int[]{0, 4}, new int[]{}, new int[]{1, 2, 3, 64, 100, 127},
                        rangeOf(33));
                float[][] full = model.logits(sequences);
                float[][] picked = model.logitsOfRows(sequences, rows);
                int vocab = model.vocabSize();
                for (int s = 0; s < sequences.size(); s++) {
                    int[] r = rows.get(s);
                    assertThat(picked[s]).hasSize(r.length * vocab);
                    for (int j = 0; j < r.length; j++) {
                        assertThat(Arrays.copyOfRange(picked[s], j * vocab, (j + 1) * vocab))
                                .as("%s sequence %d row %d", name, s, r[j])
                                .containsExactly(Arrays.copyOfRange(full[s], r[j] * vocab, (r[j] + 1) * vocab));
                    }
                }
                assertThatThrownBy(() -> model.logitsOfRows(sequences.subList(0, 1), List.of(new int[]{5})))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 5 is outside sequence 0");
                assertThatThrownBy(() -> model.logitsOfRows(sequences, rows.subList(0, 1)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 sequences but 1 row lists");
            }
        }
    }

    @Test
    void maskedNllEqualsTheSumOverFullLogits() throws Exception {
        for (String name : List.of("tiny-llada", "tiny-dream")) {
            try (DiffusionLm model = DiffusionLm.load(Path.of("../examples/models/" + name))) {
                int window = 64;
                int windows = 11; // one batch of 8 and a partial one of 3
                int[] tokens = ids(new SplittableRandom(5), window * windows, model);
                for (double ratio : new double[]{0.15, 0.85}) {
                    NllResult nll = new MaskedNll(model).windows(tokens, window, ratio, 77, ProgressListener.NONE);
                    // reference: the same masks drawn in order, full logits of the same 8-window batches
                    SplittableRandom masks = new SplittableRandom(77);
                    double sum = 0;
                    long count = 0;
                    for (int w0 = 0; w0 < windows; w0 += 8) {
                        int w1 = Math.min(windows, w0 + 8);
                        List<int[]> inputs = new java.util.ArrayList<>();
                        List<boolean[]> masked = new java.util.ArrayList<>();
                        for (int w = w0; w < w1; w++) {
                            boolean[] m = MaskedNll.randomMask(window, ratio, masks);
                            int[] in = Arrays.copyOfRange(tokens, w * window, (w + 1) * window);
                            for (int i = 0; i < window; i++) {
                                if (m[i]) {
                                    in[i] = model.config().maskTokenId();
                                }
                            }
                            inputs.add(in);
                            masked.add(m);
                        }
                        float[][] logits = model.forward(inputs);
                        int vocab = model.vocabSize();
                        for (int w = w0; w < w1; w++) {
                            boolean[] m = masked.get(w - w0);
                            double windowSum = 0; // summed per window, then added, as NllResult.plus
                            for (int i = 0; i < window; i++) {
                                if (m[i]) {
                                    windowSum += crossEntropy(logits[w - w0], i * vocab, vocab, tokens[w * window + i]);
                                    count++;
                                }
                            }
                            sum += windowSum;
                        }
                    }
                    assertThat(nll.maskedCount()).as("%s r=%s", name, ratio).isEqualTo(count);
                    assertThat(nll.nllSum()).as("%s r=%s", name, ratio).isEqualTo(sum);
                }
            }
        }
    }

    private static double crossEntropy(float[] logits, int offset, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        return max + Math.log(sum) - logits[offset + target];
    }

    private static int[] ids(SplittableRandom random, int n, DiffusionLm model) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(8) == 0 ? model.config().maskTokenId() : random.nextInt(model.vocabSize() - 8);
        }
        return ids;
    }

    private static int[] rangeOf(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
