package io.github.dllmquant.runtime.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in a text, leftmost first and longest among those starting at the same place
 * (Hugging Face's Aho-Corasick {@code LeftmostLongest}), honouring {@code single_word},
 * {@code lstrip} and {@code rstrip}. Immutable after construction; a character trie keeps the scan
 * at O(text length × longest token).
 */
final class AddedTokenMatcher {

    /** A piece of text: an added token ({@code token != null}) or plain text to tokenize further. */
    record Segment(String text, AddedToken token) {
    }

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>();
        AddedToken token;
    }

    private final Node root = new Node();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            Node n = root;
            for (int i = 0; i < t.content().length(); i++) {
                n = n.next.computeIfAbsent(t.content().charAt(i), c -> new Node());
            }
            if (n.token == null) {
                n.token = t;
            }
        }
        empty = tokens.isEmpty();
    }

    /** Splits {@code text} into plain-text segments and added-token segments, in order; no empty segments. */
    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (empty) {
            if (!text.isEmpty()) {
                out.add(new Segment(text, null));
            }
            return out;
        }
        int plainStart = 0;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            AddedToken best = null;
            int bestEnd = -1;
            Node node = root;
            for (int i = pos; i < n; i++) {
                node = node.next.get(text.charAt(i));
                if (node == null) {
                    break;
                }
                if (node.token != null) {
                    best = node.token;
                    bestEnd = i + 1;
                }
            }
            if (best == null || (best.singleWord() && !standsAlone(text, pos, bestEnd))) {
                pos++;
                continue;
            }
            int start = pos;
            int stop = bestEnd;
            if (best.lstrip()) {
                while (start > plainStart && Chars.isWhiteSpace(text.codePointBefore(start))) {
                    start -= Character.charCount(text.codePointBefore(start));
                }
            }
            if (best.rstrip()) {
                while (stop < n && Chars.isWhiteSpace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
            }
            if (start > plainStart) {
                out.add(new Segment(text.substring(plainStart, start), null));
            }
            out.add(new Segment(text.substring(start, stop), best));
            plainStart = stop;
            pos = stop;
        }
        if (plainStart < n) {
            out.add(new Segment(text.substring(plainStart), null));
        }
        return out;
    }

    private static boolean standsAlone(String text, int start, int end) {
        boolean left = start == 0 || !Chars.isWordChar(text.codePointBefore(start));
        boolean right = end == text.length() || !Chars.isWordChar(text.codePointAt(end));
        return left && right;
    }
}
