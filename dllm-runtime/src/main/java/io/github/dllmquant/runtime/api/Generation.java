package io.github.dllmquant.runtime.api;

import java.time.Duration;
import java.util.Arrays;

/**
 * The result of one generation.
 *
 * @param ids           the whole final sequence: prompt ids followed by the generated positions
 * @param promptLength  number of prompt positions at the start of {@code ids}
 * @param text          the completion: the generated positions before the first end-of-sequence token,
 *                      decoded
 * @param steps         denoising steps that ran a forward pass
 * @param forwardPasses model forward passes (two per step with classifier-free guidance)
 * @param elapsed       wall time of the sampling (without tokenization)
 * @param seed          the seed of the random source; pass it to the sampling settings to repeat the run
 */
public record Generation(int[] ids, int promptLength, String text, int steps, int forwardPasses, Duration elapsed,
                         long seed) {

    public Generation {
        if (promptLength < 0 || promptLength > ids.length) {
            throw new IllegalArgumentException("promptLength " + promptLength + " outside 0.." + ids.length);
        }
        if (text == null || elapsed == null) {
            throw new IllegalArgumentException("text and elapsed must not be null");
        }
        ids = ids.clone();
    }

    /** The whole sequence (a copy). */
    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** The generated positions (a copy), including any end-of-sequence padding. */
    public int[] generatedIds() {
        return Arrays.copyOfRange(ids, promptLength, ids.length);
    }

    /** Generated positions per second of sampling time. */
    public double tokensPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds > 0 ? (ids.length - promptLength) / seconds : Double.POSITIVE_INFINITY;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation g && Arrays.equals(ids, g.ids) && promptLength == g.promptLength
                && text.equals(g.text) && steps == g.steps && forwardPasses == g.forwardPasses
                && elapsed.equals(g.elapsed) && seed == g.seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + text.hashCode();
    }

    @Override
    public String toString() {
        return "Generation[text=" + text + ", ids=" + Arrays.toString(ids) + ", promptLength=" + promptLength
                + ", steps=" + steps + ", forwardPasses=" + forwardPasses + ", elapsed=" + elapsed + ", seed=" + seed
                + "]";
    }
}
