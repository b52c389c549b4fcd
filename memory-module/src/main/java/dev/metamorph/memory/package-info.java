/** Metamorph memory module. */
package dev.metamorph.memory;
