package io.github.dllmquant.core.safetensors;

import io.github.dllmquant.core.tensor.TensorView;

import java.util.Map;
import java.util.Set;

/**
 * Named tensors read from one safetensors file or a sharded model. Views stay valid until
 * {@link #close()}; reading a view after it throws {@link IllegalStateException}.
 */
public interface TensorSource extends AutoCloseable {

    /** All tensor names, sorted. */
    Set<String> names();

    /**
     * The tensor called {@code name}.
     *
     * @throws SafeTensorsException if there is none; the message lists the nearest names
     */
    TensorView tensor(String name) throws SafeTensorsException;

    /** Whether a tensor called {@code name} exists. */
    boolean contains(String name);

    /** The string metadata ({@code __metadata__}, or the index's {@code metadata}); empty if none. */
    Map<String, String> metadata();

    /** Releases the mapped files; views obtained earlier become unusable. */
    @Override
    void close();
}
