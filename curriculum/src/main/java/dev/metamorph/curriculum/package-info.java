/** Metamorph curriculum module. */
package dev.metamorph.curriculum;
