package io.github.dllmquant.methods;

import io.github.dllmquant.core.spi.ActivationObserver;
import io.github.dllmquant.core.spi.GroupRole;
import io.github.dllmquant.core.spi.QuantizableBlock;

import java.util.Set;

/**
 * A block forward run only as far as it must go to see the inputs of some linear groups: the streaming path of a
 * true-sequential calibration (when the stages of {@link StagedForward} do not fit), where the q/k/v pass needs only
 * the first norm and the o pass only the attention. The group inputs are those of a full
 * {@link QuantizableBlock#forward}: stopping early changes nothing that was observed.
 */
public final class PartialForward {

    private PartialForward() {
    }

    /**
     * Runs {@code block.forward(x, tokens, ...)}, handing {@code sink} the input of every group in {@code wanted}
     * (the block's array: copy it to keep it), and ends the forward once each of them was seen.
     */
    public static void groupInputs(QuantizableBlock block, float[] x, int tokens, Set<GroupRole> wanted,
                                   ActivationObserver sink) {
        int[] seen = {0};
        try {
            block.forward(x, tokens, (role, input, count) -> {
                if (wanted.contains(role)) {
                    sink.onGroupInput(role, input, count);
                    if (++seen[0] == wanted.size()) {
                        throw EnoughSeen.INSTANCE;
                    }
                }
            });
        } catch (EnoughSeen stop) {
            // the rest of the block is not needed
        }
    }

    /** Thrown by the observer to end a forward early; stackless and shared (it carries no state). */
    private static final class EnoughSeen extends RuntimeException {
        static final EnoughSeen INSTANCE = new EnoughSeen();

        private EnoughSeen() {
            super("enough group inputs seen", null, false, false);
        }
    }
}
