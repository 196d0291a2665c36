package io.github.dllmquant.core.tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Helpers for error messages that name what the user probably meant.
 */
public final class Names {

    private Names() {
    }

    // distances on long names are quadratic: compare at most 200 characters
    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

    /** Levenshtein distance between two strings. */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(subst, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Up to {@code limit} names of {@code known} closest to {@code wanted}: those sharing its last
     * dotted component first, then by edit distance.
     */
    public static List<String> nearest(String wanted, Collection<String> known, int limit) {
        String tail = wanted.substring(wanted.lastIndexOf('.') + 1);
        String w = clip(wanted);
        record Ranked(String name, int tailMatch, int distance) {
        }
        List<Ranked> ranked = new ArrayList<>(known.size());
        for (String n : known) {
            ranked.add(new Ranked(n, n.endsWith("." + tail) || n.equals(tail) ? 0 : 1, editDistance(clip(n), w)));
        }
        ranked.sort(Comparator.comparingInt(Ranked::tailMatch).thenComparingInt(Ranked::distance)
                .thenComparing(Ranked::name));
        List<String> sorted = new ArrayList<>();
        for (Ranked r : ranked) {
            sorted.add(r.name());
        }
        return sorted.subList(0, Math.min(limit, sorted.size()));
    }
}
