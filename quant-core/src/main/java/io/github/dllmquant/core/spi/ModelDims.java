package io.github.dllmquant.core.spi;

/**
 * The shape facts a quantization method needs about a model.
 *
 * @param hidden       width of the residual stream
 * @param heads        attention (query) heads
 * @param kvHeads      key/value heads ({@code < heads} under grouped-query attention)
 * @param headDim      width of one head
 * @param intermediate width of each SwiGLU branch (the down projection's input)
 * @param vocab        rows of the embedding table and the LM head
 * @param maskTokenId  the mask token of the diffusion process
 * @param rmsEps       epsilon of the RMSNorms
 */
public record ModelDims(int hidden, int heads, int kvHeads, int headDim, int intermediate, int vocab,
                        int maskTokenId, double rmsEps) {

    public ModelDims {
        if (hidden <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || intermediate <= 0 || vocab <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive: hidden=" + hidden
                    + ", heads=" + heads + ", kvHeads=" + kvHeads + ", headDim=" + headDim
                    + ", intermediate=" + intermediate + ", vocab=" + vocab);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
    }

    /** True when key/value heads are shared by several query heads. */
    public boolean groupedQueryAttention() {
        return kvHeads != heads;
    }
}
