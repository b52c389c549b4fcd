package dev.metamorph.eval;

/** Accuracy (exact match of the label) and macro-F1 of one set of predictions. */
public record ClassificationScore(double accuracy, double macroF1) {

    /**
     * Scores predictions against gold labels, both in 0..classes-1. Macro-F1 averages the
     * per-class F1 over classes that occur in the gold labels or the predictions.
     */
    public static ClassificationScore of(int[] predicted, int[] gold, int classes) {
        if (predicted.length != gold.length) throw new IllegalArgumentException(predicted.length + " predictions for " + gold.length + " gold labels");
        if (gold.length == 0) throw new IllegalArgumentException("No predictions to score");
        int[] tp = new int[classes], fp = new int[classes], fn = new int[classes];
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            int p = predicted[i], g = gold[i];
            if (p < 0 || p >= classes || g < 0 || g >= classes)
                throw new IllegalArgumentException("Label out of range 0.." + (classes - 1) + " at " + i + ": predicted " + p + ", gold " + g);
            if (p == g) {
                correct++;
                tp[g]++;
            } else {
                fp[p]++;
                fn[g]++;
            }
        }
        double f1Sum = 0;
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            if (tp[c] + fp[c] + fn[c] == 0) continue;
            f1Sum += 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
            counted++;
        }
        return new ClassificationScore((double) correct / gold.length, counted == 0 ? 0 : f1Sum / counted);
    }
}
