package io.github.dllmquant.core.spi;

/** The two RMSNorms of a block. */
public enum NormRole {
    /** feeds q, k and v. */
    ATTENTION,
    /** feeds gate and up. */
    FFN
}
