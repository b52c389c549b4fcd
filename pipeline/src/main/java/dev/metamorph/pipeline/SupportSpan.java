package dev.metamorph.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * An orthonormal basis of the support rows' span, from their Gram matrix alone: with G_ss = V Lambda V^T
 * (eigenvalues kept above {@value #RANK_TOL} of the largest), a row with Gram row g against the support
 * rows gets the coordinates g V Lambda^(-1/2). For a support row that is V sqrt(Lambda), so F_s F_s^T =
 * G_ss; for any row it is the projection of its (implicit) feature vector onto the support span, which is
 * all an L2-penalised linear classifier fitted on the support rows sees of it. The one implementation
 * behind the evaluation's per-episode fitted head ({@link FittedHead}) and the served adapter's
 * ({@link SupportFittedHead}), so that both compute the same numbers.
 */
final class SupportSpan {

    static final double RANK_TOL = 1e-10;

    private final double[][] basis;
    private final double[] inv;

    private SupportSpan(double[][] basis, double[] inv) {
        this.basis = basis;
        this.inv = inv;
    }

    /** The span of the support rows whose Gram matrix is {@code gss} [m][m] (symmetric). */
    static SupportSpan of(double[][] gss) {
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(gss, false));
        double[] lambda = eig.getRealEigenvalues();
        double max = 0;
        for (double l : lambda) max = Math.max(max, l);
        List<Integer> kept = new ArrayList<>();
        for (int k = 0; k < lambda.length; k++) if (lambda[k] > RANK_TOL * max) kept.add(k);
        if (kept.isEmpty()) kept.add(0); // all support rows zero: one zero feature
        double[][] basis = new double[kept.size()][];
        double[] inv = new double[kept.size()];
        for (int c = 0; c < kept.size(); c++) {
            int k = kept.get(c);
            inv[c] = lambda[k] > 0 ? 1 / Math.sqrt(lambda[k]) : 0;
            basis[c] = eig.getEigenvector(k).toArray();
        }
        return new SupportSpan(basis, inv);
    }

    /** Number of coordinates (the span's numerical rank, at least 1). */
    int dimension() {
        return basis.length;
    }

    /** A row's coordinates in the basis, from its Gram row against the support rows (in support order). */
    double[] coordinates(double[] gramRow) {
        double[] f = new double[basis.length];
        for (int c = 0; c < basis.length; c++) {
            double acc = 0;
            for (int a = 0; a < gramRow.length; a++) acc += gramRow[a] * basis[c][a];
            f[c] = acc * inv[c];
        }
        return f;
    }

    /** Resident values (basis and scales). */
    long values() {
        long n = inv.length;
        for (double[] r : basis) n += r.length;
        return n;
    }
}
