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
 *   <li>int4 weights in the panel layout (groups, zeros in [0, 15], group sizes a multiple of 32):
 *       {@link Int4OuterTiles} (4 tokens or more; panels unpacked once per call and thread, met by every token) and
 *       {@link Int4NibbleTiles} (1-3 tokens, nibbles unpacked in registers), vector lanes over output rows, the
 *       scalar specification's operations per cell: bit-identical to it.</li>
 * </ul>
 */
final class Int16Gemm {

    /** Weight rows widened per block. */
    static final int ROW_BLOCK = Integer.getInteger("dllmq.int.rowBlock", 16);
    /** Elements per K block of the int8 kernel. */
    static final int KC = Integer.getInteger("dllmq.int.kc", 4096);
    private static final int SL = Int16Tiles.SL;
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
        // int16 lane bound of the outer tiles: 16 products |q − z| ≤ 15 (or q ≤ 15) times |code| ≤ 128 per short
        return w.panelled();
    }

    /**
     * Grouped int4 GEMM of rows {@code [rowStart, rowEnd)} on the panel layout, lanes over rows, bit-identical to the
     * scalar specification. With 4 tokens or more ({@link Int4OuterTiles}) each panel of {@link Int4OuterTiles#PANEL}
     * rows is unpacked once into per-thread scratch as {@code q − z} and met by every token; with fewer
     * ({@link Int4NibbleTiles}) the tiles read the nibbles themselves. Panels are global (panel P = rows
     * PANEL·P ..), so any row range gives the same bits (lanes outside the range are computed and dropped).
     */
    static void gemm(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
        if (a.tokens() < 4) {
            gemmFewTokens(w, a, y, rowStart, rowEnd);
            return;
        }
        int k = w.in();
        int out = w.out();
        int groups = w.groups();
        int groupPairs = w.groupSize() / 2;
        int tokens = a.tokens();
        int tokens4 = tokens & ~3;
        int half = k / 2;
        int panelRows = Int4OuterTiles.PANEL;
        float[] sa = a.scales();
        int[] za = a.zeros();
        OuterScratch sc = OuterScratch.of(panelRows * half, groups * panelRows);
        int[] wp = sc.panel;
        int[] gs = sc.groupSums;
        float[] gw = sc.groupScales;
        float[] acc = sc.acc;
        int[] ap = a.pairCodes();
        byte[] nibbles = w.panelCodes();
        for (int pn = rowStart / panelRows; pn * panelRows < rowEnd; pn++) {
            Int4OuterTiles.unpack(w, nibbles, pn, sc.zeros, wp, gs, gw);
            int from = Math.max(rowStart, pn * panelRows);
            int to = Math.min(rowEnd, (pn + 1) * panelRows);
            int lane0 = from - pn * panelRows;
            int t = 0;
            for (; t < tokens4; t += 4) {
                Int4OuterTiles.outer4x2(ap, t * half, half, wp, gs, gw, za, t, groups, groupPairs, acc);
                for (int i = 0; i < 4; i++) {
                    for (int o = from; o < to; o++) {
                        y[(t + i) * out + o] = acc[i * panelRows + o - from + lane0] * sa[t + i];
                    }
                }
            }
            for (; t < tokens; t++) {
                Int4OuterTiles.outer1x2(ap, t * half, wp, gs, gw, za[t], groups, groupPairs, acc);
                for (int o = from; o < to; o++) {
                    y[t * out + o] = acc[o - from + lane0] * sa[t];
                }
            }
        }
    }

    /** {@link #gemm(Int4Weights, QuantizedActivations, float[], int, int)} for 1-3 tokens: one nibble tile per panel. */
    private static void gemmFewTokens(Int4Weights w, QuantizedActivations a, float[] y, int rowStart, int rowEnd) {
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
        float[] acc = OuterScratch.of(0, 0).acc;
        for (int pn = rowStart / panelRows; pn * panelRows < rowEnd; pn++) {
            int base = pn * half * panelRows;
            int meta = pn * groups * panelRows;
            switch (tokens) {
                case 1 -> Int4NibbleTiles.gemv1(ap, 0, nibbles, base, zeros, sums, scales, meta, aSums, 0, za[0],
                        groups, groupSize, acc);
                case 2 -> Int4NibbleTiles.gemv2(ap, 0, half, nibbles, base, zeros, sums, scales, meta, aSums, 0, za[0], za[1],
                        groups, groupSize, acc);
                default -> Int4NibbleTiles.gemv3(ap, 0, half, nibbles, base, zeros, sums, scales, meta, aSums, 0, za[0], za[1],
                        za[2], groups, groupSize, acc);
            }
            int from = Math.max(rowStart, pn * panelRows);
            int to = Math.min(rowEnd, (pn + 1) * panelRows);
            int lane0 = from - pn * panelRows;
            for (int t = 0; t < tokens; t++) {
                for (int o = from; o < to; o++) {
                    y[t * out + o] = acc[t * panelRows + o - from + lane0] * sa[t];
                }
            }
        }
    }

    /** Per-thread buffers of the grouped int4 GEMM, grown on demand. */
    private static final class OuterScratch {
        private static final ThreadLocal<OuterScratch> LOCAL = ThreadLocal.withInitial(OuterScratch::new);
        final short[] zeros = new short[2 * Int16Tiles.SL];
        int[] panel = new int[0];
        int[] groupSums = new int[0];
        float[] groupScales = new float[0];
        final float[] acc = new float[4 * Int4OuterTiles.PANEL];

        static OuterScratch of(int panelInts, int groupLanes) {
            OuterScratch s = LOCAL.get();
            if (s.panel.length < panelInts) {
                s.panel = new int[panelInts];
            }
            if (s.groupSums.length < groupLanes) {
                s.groupSums = new int[groupLanes];
                s.groupScales = new float[groupLanes];
            }
            return s;
        }
    }
}
