/** Metamorph datasets module. */
package dev.metamorph.datasets;
