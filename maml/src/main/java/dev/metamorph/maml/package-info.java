/** Metamorph maml module. */
package dev.metamorph.maml;
