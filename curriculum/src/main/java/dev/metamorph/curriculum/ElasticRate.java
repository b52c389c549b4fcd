package dev.metamorph.curriculum;

/**
 * The elastic learning-rate multiplier with rollback. At each check the target validation loss is
 * compared with the best loss of the stage so far (the loss of the <em>last good state</em>):
 * <ul>
 *   <li>lower: the multiplier grows ({@code * grow}, at most the ceiling) and the current state
 *       becomes the last good state;</li>
 *   <li>higher than {@code best * (1 + tolerance)} (relative to |best|), or not finite: the multiplier
 *       backs off ({@code * back-off}, at least the floor) and theta, optimiser state and step return
 *       bitwise to the last good state; after {@code max-rollbacks-in-a-row} rollbacks to the same last
 *       good state (no improving check between them) the stage ends there;</li>
 *   <li>otherwise: nothing changes.</li>
 * </ul>
 * The multiplier starts at 1 and carries over between stages; each stage starts a new last good state.
 * Each improving check moves the last good state forward, and at most {@code max-rollbacks-in-a-row}
 * rollbacks return to one last good state, so a stage always ends.
 */
public final class ElasticRate {
    /** What a check decided. */
    public enum Decision {
        /** Improved: multiplier grew, new last good state. */
        GROW,
        /** Within tolerance: unchanged. */
        HOLD,
        /** Worse: rolled back and backed off. */
        ROLLBACK,
        /** Worse, and the limit of rollbacks in a row is reached: rolled back, the stage ends. */
        STOP
    }

    private final CurriculumConfig.Elastic config;
    private double multiplier = 1.0;
    private TrainingState lastGood;
    private double bestLoss = Double.NaN;
    private int inARow;
    private int rollbacks;

    public ElasticRate(CurriculumConfig.Elastic config) {
        this.config = config;
    }

    /** Starts a stage at {@code current}, whose validation loss is {@code loss}. */
    public void startStage(TrainingState current, double loss) {
        lastGood = current.copy();
        bestLoss = loss;
        inARow = 0;
    }

    /** Applies one check at {@code current} (restored in place on a rollback). */
    public Decision check(TrainingState current, double loss) {
        if (lastGood == null) throw new IllegalStateException("ElasticRate.check before startStage");
        if (loss < bestLoss || (Double.isNaN(bestLoss) && Double.isFinite(loss))) {
            multiplier = Math.min(multiplier * config.grow(), config.maxMultiplier());
            lastGood = current.copy();
            bestLoss = loss;
            inARow = 0;
            return Decision.GROW;
        }
        boolean worse = !Double.isFinite(loss) || loss > bestLoss + config.tolerance() * Math.abs(bestLoss);
        if (!worse) return Decision.HOLD;
        return rollBack(current);
    }

    /**
     * Backs off and restores {@code current} to the last good state, as a worse check does; the
     * engine calls it when a step's loss or gradient is not finite, so that it is never applied.
     */
    public Decision rollBack(TrainingState current) {
        if (lastGood == null) throw new IllegalStateException("ElasticRate.rollBack before startStage");
        multiplier = Math.max(multiplier * config.backOff(), config.minMultiplier());
        current.restore(lastGood);
        rollbacks++;
        inARow++;
        return inARow >= config.maxRollbacksInARow() ? Decision.STOP : Decision.ROLLBACK;
    }

    public double multiplier() {
        return multiplier;
    }

    /** The best validation loss of the stage (the last good state's). */
    public double bestLoss() {
        return bestLoss;
    }

    /** The last good state (a snapshot; do not modify). */
    public TrainingState lastGood() {
        return lastGood;
    }

    /** Rollbacks so far, all stages. */
    public int rollbacks() {
        return rollbacks;
    }

    /** Rollbacks since the last improving check (all to the same last good state). */
    public int rollbacksInARow() {
        return inARow;
    }

    /** Restores saved fields (checkpoint resume). */
    void load(double multiplier, double bestLoss, int inARow, int rollbacks, TrainingState lastGood) {
        this.multiplier = multiplier;
        this.bestLoss = bestLoss;
        this.inARow = inARow;
        this.rollbacks = rollbacks;
        this.lastGood = lastGood;
    }
}
