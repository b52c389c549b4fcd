/** Metamorph serving module. */
package dev.metamorph.serving;
