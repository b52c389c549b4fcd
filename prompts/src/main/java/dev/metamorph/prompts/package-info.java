/** Metamorph prompts module. */
package dev.metamorph.prompts;
