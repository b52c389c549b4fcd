/** Metamorph testing module. */
package dev.metamorph.testing;
