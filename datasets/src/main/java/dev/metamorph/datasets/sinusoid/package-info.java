/**
 * The sinusoid regression task family of Finn et al. (2017): y = A sin(x - phase) with
 * A ~ U[0.1, 5.0], phase ~ U[0, pi], x ~ U[-5, 5]. Generated from the generator passed in, never
 * downloaded; the standard check that a MAML implementation is right and fast.
 */
package dev.metamorph.datasets.sinusoid;
