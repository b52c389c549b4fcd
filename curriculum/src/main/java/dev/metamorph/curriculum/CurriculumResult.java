package dev.metamorph.curriculum;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The outcome of an adaptation.
 *
 * @param theta the adapted parameters ([size], the learner's data type; the caller owns it)
 * @param stages per-stage figures
 * @param rollbacks rollbacks over all stages
 * @param targetLossBefore target validation loss at theta_start (the set the elastic rate selects by)
 * @param targetLossAfter target validation loss at the adapted theta
 * @param baseLossBefore base validation loss at theta_start (NaN without a base validation set)
 * @param baseLossAfter base validation loss at the adapted theta (NaN without a base validation set)
 * @param targetReportLossBefore target loss at theta_start on the report set, which no selection saw (NaN without one)
 * @param targetReportLossAfter the same at the adapted theta
 */
public record CurriculumResult(INDArray theta, List<StageResult> stages, int rollbacks, double targetLossBefore,
                               double targetLossAfter, double baseLossBefore, double baseLossAfter,
                               double targetReportLossBefore, double targetReportLossAfter) {
    public CurriculumResult {
        stages = List.copyOf(stages);
    }

    /** Forgetting: base validation loss after minus before (NaN without a base validation set). */
    public double forgetting() {
        return baseLossAfter - baseLossBefore;
    }
}
