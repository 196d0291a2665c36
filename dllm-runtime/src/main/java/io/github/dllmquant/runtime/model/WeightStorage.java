package io.github.dllmquant.runtime.model;

/**
 * How dense checkpoint weights are held after loading: an explicit choice between speed and heap.
 * Results are identical either way (BF16 widens to F32 exactly).
 */
public enum WeightStorage {
    /**
     * Every weight converted once to F32 (packed for the GEMM kernels): twice the BF16 file size in
     * memory, the fastest products. The checkpoint file is closed after loading.
     */
    F32,
    /**
     * BF16 weights read in place from the mapped file and widened a panel at a time during the
     * products: memory holds only norms, biases and per-call buffers besides the mapping, so an 8B model
     * needs no 16 GB heap. The file stays mapped until {@link DiffusionLm#close()}. F32/F16 checkpoint
     * tensors are still converted to F32.
     */
    BF16_MAPPED
}
