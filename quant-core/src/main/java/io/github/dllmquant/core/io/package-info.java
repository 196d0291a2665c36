/**
 * File-system helpers shared by every writer of the SDK: crash-safe writes of single files and of whole
 * model folders ({@link io.github.dllmquant.core.io.AtomicFiles}).
 */
package io.github.dllmquant.core.io;
