package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.kernels.RopeTable;
import io.github.dllmquant.core.linear.DenseLinear;
import io.github.dllmquant.core.linear.Linear;
import io.github.dllmquant.core.spi.LinearRole;
import io.github.dllmquant.runtime.config.Architecture;
import io.github.dllmquant.runtime.config.ModelConfig;

import java.util.SplittableRandom;

/**
 * Seeded random weights for a config, for benchmarks and tests: linears uniform in
 * {@code ±1/sqrt(in)} (so activations keep their scale through the stack), embeddings uniform in
 * {@code ±1}, norm gains {@code 1 ± 0.1}, biases {@code ±0.1}. Each tensor draws from its own stream
 * derived from the seed and its position, so the same seed always gives the same model.
 */
final class RandomWeights {

    private RandomWeights() {
    }

    static DiffusionLm build(ModelConfig config, long seed) {
        long[] stream = {0};
        java.util.function.Supplier<SplittableRandom> next = () -> new SplittableRandom(seed * 1_000_003L + stream[0]++);
        EmbeddingTable embedding = new EmbeddingTable.F32(
                uniform(next.get(), config.embeddingSize() * config.hidden(), 1f), config.embeddingSize(), config.hidden());
        RopeTable rope = RopeTable.of(config.headDim(), config.maxSequenceLength(), config.ropeTheta());
        TransformerBlock[] blocks = new TransformerBlock[config.layers()];
        for (int b = 0; b < blocks.length; b++) {
            Linear[] linears = new Linear[LinearRole.values().length];
            for (LinearRole role : LinearRole.values()) {
                int out = LayerShapes.out(config, role);
                int in = LayerShapes.in(config, role);
                float[] w = uniform(next.get(), out * in, (float) (1.0 / Math.sqrt(in)));
                float[] bias = LayerShapes.hasBias(config, role) ? uniform(next.get(), out, 0.1f) : null;
                linears[role.ordinal()] = DenseLinear.of(w, bias, out, in);
            }
            blocks[b] = new TransformerBlock(b, config, rope, linears, gains(next.get(), config.hidden()),
                    gains(next.get(), config.hidden()));
        }
        float[] finalNorm = gains(next.get(), config.hidden());
        Linear head = config.tiedEmbeddings()
                ? DenseLinear.of(embedding.toFloatArray(), null, config.embeddingSize(), config.hidden())
                : DenseLinear.of(uniform(next.get(), config.embeddingSize() * config.hidden(),
                        (float) (1.0 / Math.sqrt(config.hidden()))), null, config.embeddingSize(), config.hidden());
        return new DiffusionLm(config, null, embedding, blocks, finalNorm, head, rope, null);
    }

    /**
     * The LLaDA-shaped benchmark config of about 1 B parameters: {@code d_model} 2048, 16 layers,
     * 16 heads of 128, MLP 5632, and a small vocabulary (1024) so the LM head does not dominate
     * the timing of the blocks.
     */
    static ModelConfig lladaBenchmarkConfig() {
        return ModelConfig.builder(Architecture.LLADA).hidden(2048).layers(16).heads(16).kvHeads(16).headDim(128)
                .intermediate(5632).vocabSize(1024).embeddingSize(1024).ropeTheta(500000.0).rmsEps(1e-5)
                .maxSequenceLength(4096).build();
    }

    private static float[] uniform(SplittableRandom r, int n, float amplitude) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((2 * r.nextDouble() - 1) * amplitude);
        }
        return a;
    }

    private static float[] gains(SplittableRandom r, int n) {
        float[] g = uniform(r, n, 0.1f);
        for (int i = 0; i < n; i++) {
            g[i] += 1f;
        }
        return g;
    }
}
