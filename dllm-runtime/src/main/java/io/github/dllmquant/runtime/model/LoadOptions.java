package io.github.dllmquant.runtime.model;

import io.github.dllmquant.core.progress.ProgressListener;

/**
 * How to load a model folder.
 *
 * @param storage  where dense weights live (F32 on the heap, or BF16 in the mapped file)
 * @param progress receives one update per tensor loaded
 */
public record LoadOptions(WeightStorage storage, ProgressListener progress) {

    public LoadOptions {
        if (storage == null) {
            throw new IllegalArgumentException("storage must not be null");
        }
        if (progress == null) {
            throw new IllegalArgumentException("progress must not be null (use ProgressListener.NONE)");
        }
    }

    /** F32 weights, no progress reports. */
    public static LoadOptions defaults() {
        return new LoadOptions(WeightStorage.F32, ProgressListener.NONE);
    }

    /** These options with another storage. */
    public LoadOptions withStorage(WeightStorage s) {
        return new LoadOptions(s, progress);
    }

    /** These options with another progress listener. */
    public LoadOptions withProgress(ProgressListener p) {
        return new LoadOptions(storage, p);
    }
}
