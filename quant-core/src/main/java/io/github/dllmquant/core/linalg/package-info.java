/**
 * Dense linear algebra for post-training quantization, in double precision (with float, GEMM-based twins
 * for the large GPTQ Hessians: FloatCholesky, FloatTriangular, FloatProducts): Cholesky factorisation
 * with reported failure, triangular inversion and solves, and the upper Cholesky factor of an inverse
 * that GPTQ reads (ptq-methods.md §4.2). Matrices are row-major {@code double[n·n]}.
 */
package io.github.dllmquant.core.linalg;
