package io.github.dllmquant.runtime.model;

/**
 * How dense checkpoint weights are held after loading: an explicit choice between speed and heap.
 * Results are identical either way (BF16 widens to F32 exactly).
 */
public enum WeightStorage {
    /** Every weight converted once to F32 on the heap: twice the BF16 file size in heap. */
    F32
}
