package dev.metamorph.curriculum;

import java.util.List;

/**
 * The data of one adaptation: batch sources of the base and target domains, a held-out target
 * validation set (checks of the elastic rate, target loss before/after) and an optional base
 * validation set (forgetting; may be empty).
 *
 * @param <B> the learner's batch type
 */
public record CurriculumData<B>(BatchSource<B> base, BatchSource<B> target, List<B> targetValidation, List<B> baseValidation) {
    public CurriculumData {
        if (base == null) throw new IllegalArgumentException("CurriculumData.base (the base-domain batch source) must be set");
        if (target == null) throw new IllegalArgumentException("CurriculumData.target (the target-domain batch source) must be set");
        if (targetValidation == null || targetValidation.isEmpty()) {
            throw new IllegalArgumentException("CurriculumData.targetValidation must hold at least one held-out target-domain batch (the elastic rate and the result are measured on it)");
        }
        targetValidation = List.copyOf(targetValidation);
        baseValidation = baseValidation == null ? List.of() : List.copyOf(baseValidation);
    }
}
