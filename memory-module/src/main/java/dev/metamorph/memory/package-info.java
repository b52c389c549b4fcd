/**
 * External differentiable memory: content-addressed dense and top-k reads ({@link dev.metamorph.memory.ContentRead},
 * as SameDiff ops with their backward in {@link dev.metamorph.memory.MemoryReadOps}), least-recently-used
 * writes with NTM erase/add ({@link dev.metamorph.memory.LruaWrite}), and the per-domain store that persists
 * across episodes and is saved as safetensors ({@link dev.metamorph.memory.MemoryState}).
 */
package dev.metamorph.memory;
