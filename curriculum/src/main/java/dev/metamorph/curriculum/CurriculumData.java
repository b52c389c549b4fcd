package dev.metamorph.curriculum;

import java.util.List;

/**
 * The data of one adaptation: batch sources of the base and target domains, a held-out target
 * validation set (the elastic rate's checks select the kept state by it), an optional base
 * validation set (forgetting; may be empty), and an optional target report set (may be empty):
 * batches never used for selection, on which the target loss before and after is reported.
 *
 * @param <B> the learner's batch type
 */
public record CurriculumData<B>(BatchSource<B> base, BatchSource<B> target, List<B> targetValidation, List<B> baseValidation, List<B> targetReport) {
    public CurriculumData {
        if (base == null) throw new IllegalArgumentException("CurriculumData.base (the base-domain batch source) must be set");
        if (target == null) throw new IllegalArgumentException("CurriculumData.target (the target-domain batch source) must be set");
        if (targetValidation == null || targetValidation.isEmpty()) {
            throw new IllegalArgumentException("CurriculumData.targetValidation must hold at least one held-out target-domain batch (the elastic rate and the result are measured on it)");
        }
        targetValidation = List.copyOf(targetValidation);
        baseValidation = baseValidation == null ? List.of() : List.copyOf(baseValidation);
        targetReport = targetReport == null ? List.of() : List.copyOf(targetReport);
    }

    /** Without a report set (the result's report losses are NaN). */
    public CurriculumData(BatchSource<B> base, BatchSource<B> target, List<B> targetValidation, List<B> baseValidation) {
        this(base, target, targetValidation, baseValidation, List.of());
    }
}
