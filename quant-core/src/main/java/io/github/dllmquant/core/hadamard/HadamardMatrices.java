package io.github.dllmquant.core.hadamard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hadamard matrices of the orders {@code K} that QuaRot combines with powers of two
 * ({@code H_n = H_K ⊗ H_{2^p}}), built by construction rather than copied from a table:
 * <ul>
 *   <li>Paley I over a prime {@code q ≡ 3 (mod 4)} gives order {@code q + 1}: 12 (11), 20 (19), 60 (59),
 *       108 (107), 140 (139);</li>
 *   <li>Paley II over a prime {@code q ≡ 1 (mod 4)} gives order {@code 2(q + 1)}: 28 (13), 36 (17), 148 (73);</li>
 *   <li>Sylvester doubling: 40 = 2·20.</li>
 * </ul>
 * Orders 52, 156 and 172 (Williamson matrices in Sloane's library) are not constructed: widths that
 * need them fail with a clear message. Our matrices differ from Sloane's, which does not matter when
 * the offline and online sides use the same matrix (everything here), but does when loading a
 * checkpoint rotated by another tool.
 *
 * <p>Matrices are {@code ±1} entries in a row-major {@code byte[K·K]} and satisfy {@code H·Hᵀ = K·I}.
 */
public final class HadamardMatrices {

    /** QuaRot's {@code get_hadK} search order, with our extra order 148 (Dream-7B's 18944 = 148·128) last. */
    private static final int[] SEARCH_ORDER = {172, 156, 140, 108, 60, 52, 36, 28, 40, 20, 12, 148};

    private static final Map<Integer, byte[]> CACHE = new ConcurrentHashMap<>();

    private HadamardMatrices() {
    }

    /**
     * Whether a Hadamard matrix of order {@code k} can be built here (1, 2, 12, 20, 28, 36, 40, 60, 108,
     * 140, 148).
     */
    public static boolean available(int k) {
        return k == 1 || k == 2 || construction(k) != null;
    }

    /**
     * The {@code ±1} Hadamard matrix of order {@code k}, row-major (a fresh copy).
     *
     * @throws IllegalArgumentException if no construction is known for {@code k}
     */
    public static byte[] matrix(int k) {
        return cached(k).clone();
    }

    /** Shared, never modified: for the kernels. */
    static byte[] cached(int k) {
        byte[] h = CACHE.get(k);
        if (h == null) {
            h = build(k);
            CACHE.putIfAbsent(k, h);
        }
        return h;
    }

    /**
     * QuaRot's {@code get_hadK}: {@code 1} when {@code n} is a power of two; else the first {@code K} of
     * the order {@code 172, 156, 140, 108, 60, 52, 36, 28, 40, 20, 12} (then 148) with {@code n % K == 0}
     * and {@code n/K} a power of two.
     *
     * @throws IllegalArgumentException if {@code n} has no such factor, or the factor's matrix is not built here
     */
    public static int hadK(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("Hadamard size must be positive, got " + n);
        }
        if (isPowerOfTwo(n)) {
            return 1;
        }
        for (int k : SEARCH_ORDER) {
            if (n % k == 0 && isPowerOfTwo(n / k)) {
                if (!available(k)) {
                    throw new IllegalArgumentException("Hadamard size " + n + " = " + k + "·" + (n / k)
                            + " needs a Hadamard matrix of order " + k
                            + ", which is not constructed (Williamson orders 52, 156, 172 are not available)");
                }
                return k;
            }
        }
        throw new IllegalArgumentException("no Hadamard transform of size " + n + ": it is not K·2^p for K in "
                + "{1, 12, 20, 28, 36, 40, 60, 108, 140, 148}");
    }

    /** Whether {@link #hadK} succeeds for {@code n}. */
    public static boolean supports(int n) {
        try {
            hadK(n);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    /** How order k is built: "paley1:q", "paley2:q", "double:k/2", or null. */
    private static String construction(int k) {
        return switch (k) {
            case 12, 20, 60, 108, 140 -> "paley1";
            case 28, 36, 148 -> "paley2";
            case 40 -> "double";
            default -> null;
        };
    }

    private static byte[] build(int k) {
        if (k == 1) {
            return new byte[] {1};
        }
        if (k == 2) {
            return new byte[] {1, 1, 1, -1};
        }
        String how = construction(k);
        if (how == null) {
            throw new IllegalArgumentException("no Hadamard matrix of order " + k + " is constructed here");
        }
        return switch (how) {
            case "paley1" -> paleyI(k - 1);
            case "paley2" -> paleyII(k / 2 - 1);
            default -> sylvesterDouble(cached(k / 2), k / 2);
        };
    }

    /** Legendre symbol {@code χ(a)} modulo the odd prime {@code q}: 0, +1 (square) or −1. */
    static int chi(int a, int q) {
        int r = Math.floorMod(a, q);
        if (r == 0) {
            return 0;
        }
        // Euler's criterion: a^((q−1)/2) ≡ ±1 (mod q)
        long result = 1;
        long base = r;
        int e = (q - 1) / 2;
        while (e > 0) {
            if ((e & 1) == 1) {
                result = result * base % q;
            }
            base = base * base % q;
            e >>= 1;
        }
        return result == 1 ? 1 : -1;
    }

    /**
     * Paley I, {@code q ≡ 3 (mod 4)}: {@code H = I + S} with {@code S = [[0, 1ᵀ], [−1, Q]]} and the
     * Jacobsthal matrix {@code Q[i][j] = χ(j − i)} (skew-symmetric, {@code S·Sᵀ = q·I}).
     */
    static byte[] paleyI(int q) {
        if (q % 4 != 3 || !isPrime(q)) {
            throw new IllegalArgumentException("Paley I needs a prime q ≡ 3 (mod 4), got " + q);
        }
        int k = q + 1;
        byte[] h = new byte[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                int s;
                if (i == 0 && j == 0) {
                    s = 0;
                } else if (i == 0) {
                    s = 1;
                } else if (j == 0) {
                    s = -1;
                } else {
                    s = chi((j - 1) - (i - 1), q);
                }
                h[i * k + j] = (byte) (s + (i == j ? 1 : 0));
            }
        }
        return h;
    }

    /**
     * Paley II, {@code q ≡ 1 (mod 4)}: the symmetric conference matrix {@code C = [[0, 1ᵀ], [1, Q]]} of
     * order {@code q + 1}, each 0 replaced by {@code [[1, −1], [−1, −1]]} and each {@code ±1} by
     * {@code ±[[1, 1], [1, −1]]}.
     */
    static byte[] paleyII(int q) {
        if (q % 4 != 1 || !isPrime(q)) {
            throw new IllegalArgumentException("Paley II needs a prime q ≡ 1 (mod 4), got " + q);
        }
        int c = q + 1;
        int k = 2 * c;
        byte[] h = new byte[k * k];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                int e;
                if (i == 0 && j == 0) {
                    e = 0;
                } else if (i == 0 || j == 0) {
                    e = 1;
                } else {
                    e = chi((j - 1) - (i - 1), q);
                }
                int a;
                int b;
                int cc;
                int d;
                if (e == 0) {
                    a = 1; b = -1; cc = -1; d = -1;
                } else {
                    a = e; b = e; cc = e; d = -e;
                }
                h[(2 * i) * k + 2 * j] = (byte) a;
                h[(2 * i) * k + 2 * j + 1] = (byte) b;
                h[(2 * i + 1) * k + 2 * j] = (byte) cc;
                h[(2 * i + 1) * k + 2 * j + 1] = (byte) d;
            }
        }
        return h;
    }

    /** {@code [[H, H], [H, −H]]}. */
    static byte[] sylvesterDouble(byte[] h, int k) {
        int k2 = 2 * k;
        byte[] d = new byte[k2 * k2];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                byte v = h[i * k + j];
                d[i * k2 + j] = v;
                d[i * k2 + j + k] = v;
                d[(i + k) * k2 + j] = v;
                d[(i + k) * k2 + j + k] = (byte) -v;
            }
        }
        return d;
    }

    private static boolean isPrime(int q) {
        if (q < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= q; d++) {
            if (q % d == 0) {
                return false;
            }
        }
        return true;
    }
}
