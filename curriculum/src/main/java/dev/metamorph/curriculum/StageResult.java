package dev.metamorph.curriculum;

import java.util.List;

/**
 * Figures of one finished stage.
 *
 * @param stage 0-based index
 * @param units prefixes of the units trained in the stage, top first
 * @param targetFraction the configured fraction of target batches
 * @param stepsRun optimiser steps run, counting steps run again after a rollback
 * @param targetBatches target-domain batches drawn for training
 * @param baseBatches base-domain batches drawn for training
 * @param rollbacks rollbacks in the stage
 * @param stoppedEarly whether the stage ended on the limit of rollbacks in a row
 * @param targetLossStart target validation loss at the stage's start
 * @param targetLossEnd target validation loss at the stage's end
 * @param baseLossEnd base validation loss at the stage's end (NaN without a base validation set)
 * @param multiplierEnd the elastic multiplier at the stage's end
 */
public record StageResult(int stage, List<String> units, double targetFraction, int stepsRun, int targetBatches, int baseBatches,
                          int rollbacks, boolean stoppedEarly, double targetLossStart, double targetLossEnd, double baseLossEnd,
                          double multiplierEnd) {
    public StageResult {
        units = List.copyOf(units);
    }
}
