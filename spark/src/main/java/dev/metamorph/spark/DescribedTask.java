package dev.metamorph.spark;

import java.io.Serializable;

/** A task's position in its meta-batch and its description. */
record DescribedTask<D extends Serializable>(int index, D description) implements Serializable {}
