/** Metamorph cli module. */
package dev.metamorph.cli;
