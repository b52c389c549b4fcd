package dev.metamorph.curriculum;

import java.util.ArrayList;
import java.util.List;

/** Everything an adaptation carries from step to step; a checkpoint saves all of it. */
final class RunState {
    final double[] theta0;
    final TrainingState current;
    final ElasticRate elastic;
    double[] fisher;
    double targetLossBefore;
    double baseLossBefore;
    int stage;
    boolean stageStarted;
    int stepsRun;
    int targetBatches;
    int baseBatches;
    int rollbacksAtStageStart;
    boolean stoppedEarly;
    double targetLossStart;
    long globalStep;
    final List<StageResult> completed = new ArrayList<>();

    RunState(double[] theta0, TrainingState current, ElasticRate elastic) {
        this.theta0 = theta0;
        this.current = current;
        this.elastic = elastic;
    }
}
