package io.github.dllmquant.core.spi;

import io.github.dllmquant.core.linear.Linear;

/**
 * A model as quantization methods see it: embeddings, a stack of {@link QuantizableBlock}s, the final
 * norm and the LM head. dllm-runtime implements it for LLaDA and Dream.
 */
public interface QuantizableModel {

    /** Shape facts. */
    ModelDims dims();

    /** Number of blocks. */
    int blockCount();

    /** Block {@code i}, {@code 0 <= i < blockCount()}. */
    QuantizableBlock block(int i);

    /** Embeds token ids: a new {@code [ids.length, hidden]} array, the input of block 0. */
    float[] embed(int[] ids);

    /** A copy of the embedding table {@code [vocab, hidden]}. */
    float[] embeddings();

    /** Replaces the embedding table {@code [vocab, hidden]}. */
    void setEmbeddings(float[] table);

    /**
     * Replaces the embedding table by quantized codes {@code [vocab, hidden]} that rows are dequantized
     * from on lookup (smaller models on disk and in memory). Implementations that keep dense tables only
     * refuse it.
     *
     * @throws UnsupportedOperationException if the model cannot hold a quantized table
     */
    default void setQuantizedEmbeddings(io.github.dllmquant.core.quant.QuantizedWeight table) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps its embedding table dense");
    }

    /** A copy of the final norm's gain {@code [hidden]}. */
    float[] finalNormWeight();

    /** Replaces the final norm's gain. */
    void setFinalNormWeight(float[] weight);

    /** The LM head, {@code [vocab, hidden]}. */
    Linear lmHead();

    /** Replaces the LM head. */
    void setLmHead(Linear lmHead);
}
