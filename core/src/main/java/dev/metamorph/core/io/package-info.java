/**
 * Tensor files in the Hugging Face safetensors format: {@link dev.metamorph.core.io.SafeTensors}
 * writes named ND4J arrays atomically and reads them back after checking every rule of the format,
 * so adapters and memories saved by Metamorph can be read by any Python tool and vice versa.
 */
package dev.metamorph.core.io;
