package io.github.dllmquant.runtime.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * A Hugging Face post-processor for a single sequence: what {@code add_special_tokens=True} adds
 * around the encoded ids (BOS, EOS, CLS/SEP).
 */
interface PostProcessor {

    int[] process(int[] ids);

    /** Adds nothing (also the ByteLevel post-processor, which only trims offsets). */
    PostProcessor NONE = ids -> ids;

    /** {@code prefix ++ ids ++ suffix}. */
    static PostProcessor wrap(int[] prefix, int[] suffix) {
        int[] p = prefix.clone();
        int[] s = suffix.clone();
        return ids -> {
            int[] out = Arrays.copyOf(p, p.length + ids.length + s.length);
            System.arraycopy(ids, 0, out, p.length, ids.length);
            System.arraycopy(s, 0, out, p.length + ids.length, s.length);
            return out;
        };
    }

    /**
     * TemplateProcessing's {@code single} template: each piece is either the ids of a special token
     * (an {@code int[]}) or {@code null} for the sequence itself.
     */
    static PostProcessor template(List<int[]> pieces) {
        List<int[]> copy = pieces.stream().map(p -> p == null ? null : p.clone()).toList();
        return ids -> {
            int n = 0;
            for (int[] p : copy) {
                n += p == null ? ids.length : p.length;
            }
            int[] out = new int[n];
            int at = 0;
            for (int[] p : copy) {
                int[] src = p == null ? ids : p;
                System.arraycopy(src, 0, out, at, src.length);
                at += src.length;
            }
            return out;
        };
    }

    /** Applies {@code steps} in order. */
    static PostProcessor sequence(List<PostProcessor> steps) {
        List<PostProcessor> copy = List.copyOf(steps);
        return ids -> {
            int[] out = ids;
            for (PostProcessor p : copy) {
                out = p.process(out);
            }
            return out;
        };
    }
}
