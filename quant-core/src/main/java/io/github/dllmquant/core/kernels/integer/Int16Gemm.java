package io.github.dllmquant.core.kernels.integer;

/**
 * The integer GEMMs of {@link PanamaIntegerKernels} that run on 16-bit operands ({@link Int16Tiles}):
 * activations widened once per call ({@link QuantizedActivations#wideCodes()}); int8 weights widened (row pairs
 * interleaved per step, {@link Int16Tiles#widenPair}) one block of {@link #ROW_BLOCK} rows at a time into per-thread
 * scratch, then reused by every 4-token tile. The token tile (4 rows of K shorts, 32 KB at K = 4096) stays in L1 while it meets every row pair of the block, and the block (128 KB) stays in L2.
 *
 * <ul>
 *   <li>int8 weights, one group per row: exact int32 dots (operands that both reach −128 through
 *       weights shifted by one, see {@link #gemm(Int8Weights, QuantizedActivations, float[], int, int)}),
 *       the scalar specification's epilogue: bit-identical to it.</li>
 *   <li>int4 weights in the panel layout (groups, zeros in [0, 15], group sizes a multiple of 32): tiles of 1-4
 *       tokens with vector lanes over output rows that unpack the nibbles in registers ({@link Int4NibbleTiles}),
 *       the scalar specification's operations per cell: bit-identical to it.</li>
 * </ul>
 */
final class Int16Gemm {

    /** Weight rows widened per block. */
    static final int ROW_BLOCK = Integer.getInteger("dllmq.int.rowBlock", 16);
    /** Elements per K block of the int8 kernel. */
    static final int KC = Integer.getInteger("dllmq.int.kc", 4096);
    private static final int SL = Int16Tiles.SL;
    /**
     * Tokens per block of the grouped int4 GEMM: their activation pairs (2·K bytes per token) stay in L2 while every
     * panel of the row range meets them. No difference measured at K = 4096 against no blocking (INT-KERNELS attempt
     * 93); it bounds the pairs streamed per panel for long rows (K = 14336: 7 MB at M = 256 unblocked).
     */
    static final int TOKEN_BLOCK = Math.max(4, Integer.getInteger("dllmq.int4.tokenBlock", 32) & ~3);
    /** Per-thread output lanes of the grouped int4 tiles: 4 tokens × one panel. */
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[4 * Int4OuterTiles.PANEL]);
    private static final ThreadLocal<short[]> SCRATCH = new ThreadLocal<>();

    private Int16Gemm() {
    }

    private static short[] scratch(int shorts) {
        short[] s = SCRATCH.get();
        if (s == null || s.length < shorts) {
            s = new short[shorts];
            SCRATCH.set(s);
        }
        return s;
    }

    // ---------------------------------------------------------------- int8, one group per row

    /**
     * Whether {@link #gemm(Int8Weights, QuantizedActivations, float[], int, int)} applies. Fewer than 4 tokens
     * keep the byte kernels, which read the weights without widening them (the widened block costs more than it
     * saves there: asymmetric W8A8 at M = 1 ran at 57 GFLOP/s on this path against ~150 on bytes).
     */
    static boolean covers(Int8Weights w, QuantizedActivations a, int rowStart, int rowEnd) {
        return w.groups() == 1 && a.tokens() >= 4 && w.in() >= 2 * SL && rowEnd - rowStart >= 2;
    }

    /**
     * Exact int8 GEMM of rows {@code [rowStart, rowEnd)}; an odd last row runs on bytes.
     *
     * <p>When both operands reach −128 (asymmetric weights and activations, DuQuant's W8A8), two products
     * may not share an int16 lane as they are ({@code 2·128·128 = 32768}). The weights are then widened
     * with {@code +1} ({@code w + 1 ∈ [−127, 128]}): every product {@code a·(w + 1)} lies in
     * {@code [−16384, 16256]}, a pair sum in {@code [−32768, 32512]}, which fits a short, and
     * {@code Σ a·w = Σ a·(w + 1) − Σ a}, the last term per token from the activation code sums.
     */
    static void gemm(Int8Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        int k = w.in();
        int out = w.out();
        int tokens = a.tokens();
        int tokens4 = tokens & ~3;
        int steps = k / (2 * SL);
        int kv = steps * 2 * SL;
        short[] as = a.wideCodes();
        byte[] ac = a.codes();
        byte[] wc = w.codes();
        boolean pairs = !(w.fullNegativeRange() && a.fullNegativeRange());
        int offset = pairs ? 0 : 1;
        // Σ_{l < kv} a[t][l]: what the shifted weights add to each dot of token t (0 when not shifted)
        int[] shiftSums = new int[tokens];
        if (!pairs) {
            int ag = a.groups();
            for (int t = 0; t < tokens; t++) {
                int sum = 0;
                for (int g = 0; g < ag; g++) {
                    sum += a.sums()[t * ag + g];
                }
                for (int l = kv; l < k; l++) {
                    sum -= ac[t * k + l];
                }
                shiftSums[t] = sum;
            }
        }
        int pairsEnd = rowStart + ((rowEnd - rowStart) & ~1);
        short[] ws = scratch(ROW_BLOCK * k);
        int[] dots = new int[16];
        int kcSteps = Math.max(1, KC / (2 * SL));
        // raw dots of every token against the block's rows; the epilogue runs once per block, not per tile call
        int[] cells = new int[tokens * ROW_BLOCK];
        float[] wScales = w.scales();
        int[] wZeros = w.zeros();
        int[] wSums = w.sums();
        int groupSize = w.groupSize();
        // no K tail (whose bytes the scalar loop adds per cell) and corrected dots that fit an int
        boolean vectorEpilogue = kv == k && Int16Tiles.intEpilogue(groupSize);
        int lanes = Int16Tiles.epilogueLanes();
        for (int r0 = rowStart; r0 < pairsEnd; r0 += ROW_BLOCK) {
            int r1 = Math.min(pairsEnd, r0 + ROW_BLOCK);
            // row pairs interleaved per step (pair p at p·2k): the tiles read one weight stream per pair
            for (int o = r0; o < r1; o += 2) {
                Int16Tiles.widenPair(wc, o * k, k, ws, (o - r0) * k, steps, offset);
            }
            for (int t = 0; t < tokens4; t += 4) {
                // K blocks outside the row pairs: the token tile's slice stays in L1 while every pair meets it
                for (int s0 = 0; s0 < steps; s0 += kcSteps) {
                    int n = Math.min(kcSteps, steps - s0);
                    int kOff = s0 * 2 * SL;
                    for (int o = r0; o < r1; o += 2) {
                        Int16Tiles.dot4x2(as, t * k + kOff, k, ws, (o - r0) * k + 2 * kOff, n, dots);
                        int c = t * ROW_BLOCK + o - r0;
                        for (int i = 0; i < 4; i++) {
                            int ci = c + i * ROW_BLOCK;
                            cells[ci] = (s0 == 0 ? 0 : cells[ci]) + dots[i * 4];
                            cells[ci + 1] = (s0 == 0 ? 0 : cells[ci + 1]) + dots[i * 4 + 1];
                        }
                    }
                }
            }
            // tokens past the last 4-tile: one token against each row pair of the block
            for (int t = tokens4; t < tokens; t++) {
                for (int o = r0; o < r1; o += 2) {
                    Int16Tiles.dot1x2(as, t * k, ws, (o - r0) * k, steps, dots);
                    cells[t * ROW_BLOCK + o - r0] = dots[0];
                    cells[t * ROW_BLOCK + o - r0 + 1] = dots[1];
                }
            }
            // the spec's epilogue per cell (PanamaIntegerKernels.epilogue + store for one group: 0f + dot·sw, then ·sa)
            int vectorRows = vectorEpilogue ? (r1 - r0) / lanes * lanes : 0;
            for (int t = 0; t < tokens; t++) {
                float sa = a.scales()[t];
                int za = a.zeros()[t];
                int sumA = a.sums()[t];
                if (vectorRows > 0) {
                    Int16Tiles.epilogue(cells, t * ROW_BLOCK, shiftSums[t], wSums, wZeros, wScales, r0, vectorRows,
                            groupSize, za, sumA, sa, y, t * out + r0);
                }
                for (int o = r0 + vectorRows; o < r1; o++) {
                    int tail = kv < k ? Int8Tiles.tail(ac, t * k, wc, o * k, kv, k) : 0;
                    int dot = cells[t * ROW_BLOCK + o - r0] - shiftSums[t] + tail;
                    long exact = IntegerKernels.correctedDot(dot, wSums[o], sumA, wZeros[o], za, groupSize);
                    y[t * out + o] = (0f + (float) exact * wScales[o]) * sa;
                }
            }
        }
        if (pairsEnd < rowEnd) {
            PanamaIntegerKernels.gemmBytes(w, a, y, pairsEnd, rowEnd, 0, tokens, pairs);
        }
    }

    // ---------------------------------------------------------------- int4, grouped

    /**
     * Whether {@link #gemm(Int4Weights, QuantizedActivations, float[], int, int)} applies: to the weights held in the
     * panel layout ({@link Int4Weights#panelled()}), for any number of tokens; depends on the operands only (never on
     * the row range), so every row of one call takes the same path.
     */
    static boolean covers(Int4Weights w, QuantizedActivations a) {
        // the panel layout exists only for weights the tiles take (zeros in [0, 15], whole 16-step int16 chunks per group)
        return w.panelled();
    }

    /**
     * Grouped int4 GEMM of rows {@code [rowStart, rowEnd)} on the panel layout ({@link Int4OuterTiles#panels}), lanes
     * over rows, bit-identical to the scalar specification: per block of {@link #TOKEN_BLOCK} tokens (their activation
     * pairs stay in L2 while every panel meets them) and per panel of {@link Int4OuterTiles#PANEL} rows, tiles of up to
     * 4 tokens ({@link Int4NibbleTiles}) that unpack the nibbles in registers. Panels are global (panel P = rows
     * PANEL·P ..), so any row range gives the same bits (lanes outside the range are computed and dropped).
     */
    static void gemm(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        int k = w.in();
        int out = w.out();
        int groups = w.groups();
        int groupSize = w.groupSize();
        int tokens = a.tokens();
        int half = k / 2;
        int panelRows = Int4OuterTiles.PANEL;
        float[] sa = a.scales();
        int[] za = a.zeros();
        int[] aSums = a.sums();
        int[] ap = a.pairCodes();
        byte[] nibbles = w.panelCodes();
        int[] zeros = w.zeros();
        int[] sums = w.sums();
        float[] scales = w.scales();
        float[] acc = ACC.get();
        for (int tb = 0; tb < tokens; tb += TOKEN_BLOCK) {
            int tbEnd = Math.min(tokens, tb + TOKEN_BLOCK);
            for (int pn = rowStart / panelRows; pn * panelRows < rowEnd; pn++) {
                int base = pn * half * panelRows;
                int meta = pn * groups * panelRows;
                int from = Math.max(rowStart, pn * panelRows);
                int to = Math.min(rowEnd, (pn + 1) * panelRows);
                int lane0 = from - pn * panelRows;
                for (int t0 = tb; t0 < tbEnd; t0 += 4) {
                    int n = Math.min(4, tbEnd - t0);
                    int ao = t0 * half;
                    int so = t0 * groups;
                    switch (n) {
                        case 1 -> Int4NibbleTiles.gemv1(ap, ao, nibbles, base, zeros, sums, scales, meta, aSums, so, za[t0],
                                groups, groupSize, acc);
                        case 2 -> Int4NibbleTiles.gemv2(ap, ao, half, nibbles, base, zeros, sums, scales, meta, aSums, so,
                                za[t0], za[t0 + 1], groups, groupSize, acc);
                        case 3 -> Int4NibbleTiles.gemv3(ap, ao, half, nibbles, base, zeros, sums, scales, meta, aSums, so,
                                za[t0], za[t0 + 1], za[t0 + 2], groups, groupSize, acc);
                        default -> Int4NibbleTiles.gemv4(ap, ao, half, nibbles, base, zeros, sums, scales, meta, aSums, so,
                                za[t0], za[t0 + 1], za[t0 + 2], za[t0 + 3], groups, groupSize, acc);
                    }
                    for (int t = t0; t < t0 + n; t++) {
                        for (int o = from; o < to; o++) {
                            y[t * out + o] = acc[(t - t0) * panelRows + o - from + lane0] * sa[t];
                        }
                    }
                }
            }
        }
    }
}
