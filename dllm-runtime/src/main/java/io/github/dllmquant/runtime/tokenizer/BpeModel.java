package io.github.dllmquant.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding of one pre-tokenized piece: start from single characters, then repeatedly merge
 * the adjacent pair with the lowest merge rank (leftmost first among equal ranks), as Hugging Face's
 * {@code BPE::merge_word} does with its priority queue. Immutable apart from a bounded, thread-safe
 * cache of recent pieces.
 */
final class BpeModel {

    /** Pieces cached at most, as in the reference (it stops inserting when full). */
    private static final int CACHE_CAPACITY = 10_000;
    /** Longer pieces are not cached (rare, and they would pin memory). */
    private static final int CACHE_MAX_PIECE = 256;
    private static final int[] EMPTY = new int[0];

    private final Map<String, Integer> vocab;
    /** (left id << 32 | right id) → (rank << 32 | merged id). */
    private final Map<Long, Long> merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    private final int[] byteTokenIds = new int[256];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab  token → id
     * @param merges merge pairs in rank order; both sides and their concatenation must be in the vocab
     *               (checked by the caller, which knows the file to blame)
     * @param unkId  id of the unknown token, or -1 to drop characters the vocab lacks (as the reference does)
     */
    BpeModel(Map<String, Integer> vocab, List<String[]> merges, int unkId, boolean fuseUnk, boolean byteFallback,
             boolean ignoreMerges, String continuingSubwordPrefix, String endOfWordSuffix) {
        this.vocab = Map.copyOf(vocab);
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.continuingSubwordPrefix = continuingSubwordPrefix == null ? "" : continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix == null ? "" : endOfWordSuffix;
        Map<Long, Long> m = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = merges.get(rank);
            int left = vocab.get(pair[0]);
            int right = vocab.get(pair[1]);
            int merged = vocab.get(mergedToken(pair[0], pair[1], this.continuingSubwordPrefix));
            // a repeated pair keeps its first (lowest) rank, as the reference's map insertion does not
            m.putIfAbsent(key(left, right), ((long) rank << 32) | (merged & 0xFFFFFFFFL));
        }
        this.merges = m;
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    /** The merged token of a pair, as the caller must check it exists. */
    static String mergedToken(String left, String right, String continuingSubwordPrefix) {
        String p = continuingSubwordPrefix == null ? "" : continuingSubwordPrefix;
        return left + (!p.isEmpty() && right.startsWith(p) ? right.substring(p.length()) : right);
    }

    Map<String, Integer> vocab() {
        return vocab;
    }

    /** Token ids of one piece. The returned array must not be modified (it may be cached). */
    int[] tokenize(String piece) {
        if (piece.isEmpty()) {
            return EMPTY;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(piece);
            if (whole != null) {
                return new int[]{whole};
            }
        }
        if (piece.length() > CACHE_MAX_PIECE) {
            return mergeWord(piece);
        }
        int[] cached = cache.get(piece);
        if (cached != null) {
            return cached;
        }
        int[] ids = mergeWord(piece);
        if (cache.size() < CACHE_CAPACITY) {
            cache.putIfAbsent(piece, ids);
        }
        return ids;
    }

    private int[] mergeWord(String piece) {
        int[] ids = new int[piece.length() * 4 + 4];
        int n = 0;
        boolean lastWasUnk = false;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            int end = i + Character.charCount(cp);
            String s = piece.substring(i, end);
            if (i > 0) {
                s = continuingSubwordPrefix + s;
            }
            if (end == piece.length()) {
                s = s + endOfWordSuffix;
            }
            Integer id = vocab.get(s);
            if (id != null) {
                ids[n++] = id;
                lastWasUnk = false;
            } else if (byteFallback && allBytesKnown(piece.substring(i, end))) {
                for (byte b : piece.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    ids[n++] = byteTokenIds[b & 0xFF];
                }
                lastWasUnk = false;
            } else if (unkId >= 0) {
                if (!(fuseUnk && lastWasUnk)) {
                    ids[n++] = unkId;
                }
                lastWasUnk = true;
            }
            // else: the reference silently drops a character it cannot represent
            i = end;
        }
        return merge(Arrays.copyOf(ids, n));
    }

    private boolean allBytesKnown(String ch) {
        for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
            if (byteTokenIds[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Merges by rank over a doubly linked list of symbols with a heap of candidate pairs. */
    private int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2 || merges.isEmpty()) {
            return symbols;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            push(heap, symbols, i, i + 1);
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (dead[pos] || right < 0) {
                continue;
            }
            Long merge = merges.get(key(symbols[pos], symbols[right]));
            if (merge == null || (int) (merge >>> 32) != rank) {
                continue; // stale entry: one side changed since it was queued
            }
            symbols[pos] = (int) (long) merge;
            dead[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                push(heap, symbols, prev[pos], pos);
            }
            if (next[pos] >= 0) {
                push(heap, symbols, pos, next[pos]);
            }
        }
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            symbols[count++] = symbols[i];
        }
        return Arrays.copyOf(symbols, count);
    }

    private void push(LongHeap heap, int[] symbols, int left, int right) {
        Long merge = merges.get(key(symbols[left], symbols[right]));
        if (merge != null) {
            heap.push((merge & 0xFFFFFFFF00000000L) | left);
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Min-heap of longs (rank in the high half, position in the low half: ties go to the leftmost). */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (a[child] >= last) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
