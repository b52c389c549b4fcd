/** Metamorph core module. */
package dev.metamorph.core;
