/** Metamorph model module. */
package dev.metamorph.model;
