package dev.metamorph.maml;

import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.GraphLearner;
import dev.metamorph.core.learn.TaskData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact meta-gradients on SameDiff graphs built from a {@link GraphLearner}'s {@code lossOps} and
 * {@code gradientOps} (its backward pass written as forward ops), task-batched: the meta-batch's
 * thetas are one [tasks, P] variable, and each graph is built once per meta-batch size and reused.
 *
 * <ul>
 *   <li>{@link SecondOrderMode#UNROLLED}: {@code theta_{k+1} = theta_k - alpha * gradientOps(theta_k, support)}
 *       for all K steps inside one graph, the query loss on top, and one reverse pass
 *       ({@code calculateGradients}) gives d L_query(theta_K)/d theta (and d/d alpha) exactly.
 *       Memory grows with K, like an autograd tape.</li>
 *   <li>{@link SecondOrderMode#REVERSE_HVP}: a gradient graph runs the inner steps forward keeping
 *       only the K+1 theta matrices; then a Hessian-vector graph, {@code d/d theta sum(gradientOps(theta) * v)},
 *       walks the steps backwards with one exact HVP each. Memory is flat in K.</li>
 * </ul>
 * Inputs a learner computes outside the graph from theta (embedding rows) are fed at the
 * meta-parameters ({@link GraphLearner#bindParameters}) and are not adapted by the inner loop
 * (the learner's {@code gradientOps} leave those groups at zero, so their inner rate has no
 * effect); they are meta-learned by the outer loop: the exact gradient of the meta-objective with
 * respect to them reaches them through the inputs' gradients ({@code externalGradientInputs}),
 * the query split's directly and the support split's through every inner step, which the learner
 * adds into its groups ({@code addExternalGradients}).
 * First-order MAML uses the gradient graph only. Reptile and the pretraining baseline are served
 * by {@link KernelMetaGradient} or the learner's own gradients, not here.
 *
 * @param <B> batch type
 */
public final class SameDiffMetaGradient<B> implements MetaGradient<B> {
    private static final String THETAS = "thetas";
    private static final String ALPHA = "alpha";
    private final GraphLearner<B> learner;
    private final MetaAlgorithm algorithm;
    private final SecondOrderMode mode;
    private final int steps;
    private final int p;
    private final Map<Integer, Graphs> graphs = new HashMap<>();
    private long lastThetaBytes;

    public SameDiffMetaGradient(GraphLearner<B> learner, MetaAlgorithm algorithm, SecondOrderMode mode, int steps) {
        if (!(algorithm.secondOrder() || algorithm == MetaAlgorithm.FOMAML)) throw new IllegalArgumentException("The SameDiff meta-gradient serves maml, anil, meta-sgd and fomaml, not " + algorithm.key() + "; use maml.backend = kernel or auto");
        if (learner.dataType() != DataType.DOUBLE && learner.dataType() != DataType.FLOAT) throw new IllegalArgumentException("learner dtype " + learner.dataType() + " is not a floating type");
        this.learner = learner;
        this.algorithm = algorithm;
        this.mode = mode;
        this.steps = steps;
        this.p = (int) learner.layout().size();
    }

    /** The graphs for one meta-batch size. */
    private final class Graphs {
        final int tasks;
        SameDiff unrolled;
        GraphInputs uSupport, uQuery;
        String uLoss;
        GradGraph gradSupport, gradQuery;
        SameDiff hvp;
        GraphInputs hInputs;
        String hGrad;

        Graphs(int tasks) {
            this.tasks = tasks;
        }

        void buildUnrolled(B support, B query) {
            SameDiff sd = SameDiff.create();
            SDVariable th = sd.var(THETAS, Nd4j.zeros(learner.dataType(), tasks, p));
            SDVariable al = sd.var(ALPHA, Nd4j.zeros(learner.dataType(), 1, p));
            uSupport = learner.declareInputs(sd, "s_", tasks, support);
            uQuery = learner.declareInputs(sd, "q_", tasks, query);
            SDVariable cur = th;
            for (int k = 0; k < steps; k++) cur = cur.sub(learner.gradientOps(sd, cur, uSupport).mul(al));
            SDVariable perTask = learner.lossOps(sd, cur, uQuery);
            SDVariable total = sd.sum("meta_loss", perTask);
            total.markAsLoss();
            uLoss = perTask.name();
            unrolled = sd;
        }

        GradGraph buildGradient(B batch) {
            SameDiff sd = SameDiff.create();
            SDVariable th = sd.var(THETAS, Nd4j.zeros(learner.dataType(), tasks, p));
            GraphInputs in = learner.declareInputs(sd, "b_", tasks, batch);
            String loss = learner.lossOps(sd, th, in).name();
            String grad = learner.gradientOps(sd, th, in).name();
            List<String> inputNames = learner.externalGradientInputs(in);
            List<SDVariable> inputGrads = learner.externalGradientOps(sd, th, in);
            if (inputGrads.size() != inputNames.size()) throw new IllegalStateException("The learner names " + inputNames.size() + " external gradient inputs but gives " + inputGrads.size() + " gradient ops");
            return new GradGraph(sd, in, loss, grad, inputNames, inputGrads.stream().map(SDVariable::name).toList());
        }

        void buildHvp(B support) {
            SameDiff sd = SameDiff.create();
            SDVariable th = sd.var(THETAS, Nd4j.zeros(learner.dataType(), tasks, p));
            SDVariable v = sd.placeHolder("v", learner.dataType(), tasks, p);
            hInputs = learner.declareInputs(sd, "s_", tasks, support);
            SDVariable g = learner.gradientOps(sd, th, hInputs);
            hGrad = g.name();
            sd.sum("gv", g.mul(v)).markAsLoss();
            hvp = sd;
        }
    }

    /** A graph giving per-task loss and gradient at a [tasks, P] theta variable, on one split. */
    private record GradGraph(SameDiff sd, GraphInputs inputs, String loss, String grad, List<String> inputNames, List<String> inputGrads) {}

    private Graphs graphsFor(List<TaskData<B>> tasks) {
        Graphs g = graphs.computeIfAbsent(tasks.size(), Graphs::new);
        TaskData<B> first = tasks.get(0);
        boolean needUnrolled = algorithm.secondOrder() && mode == SecondOrderMode.UNROLLED;
        if (needUnrolled && g.unrolled == null) g.buildUnrolled(first.support(), first.query());
        if (!needUnrolled && g.gradSupport == null) {
            g.gradSupport = g.buildGradient(first.support());
            g.gradQuery = g.buildGradient(first.query());
        }
        if (!needUnrolled && algorithm.secondOrder() && g.hvp == null) g.buildHvp(first.support());
        return g;
    }

    @Override
    public double compute(double[] theta, double[] alpha, List<TaskData<B>> tasks, double[] gradTheta, double[] gradAlpha) {
        int t = tasks.size();
        Graphs g = graphsFor(tasks);
        List<B> support = new ArrayList<>(t), query = new ArrayList<>(t);
        for (TaskData<B> d : tasks) {
            support.add(d.support());
            query.add(d.query());
        }
        INDArray thetas = Nd4j.createFromArray(theta).castTo(learner.dataType()).reshape(1, p).repeat(0, t);
        INDArray alphaRow = Nd4j.createFromArray(alpha).castTo(learner.dataType()).reshape(1, p);
        learner.bindParameters(thetas);
        double loss;
        INDArray gTheta;
        INDArray gAlpha = null;
        if (algorithm.secondOrder() && mode == SecondOrderMode.UNROLLED) {
            g.unrolled.getVariable(THETAS).getArr().assign(thetas);
            g.unrolled.getVariable(ALPHA).getArr().assign(alphaRow);
            Map<String, INDArray> feeds = new HashMap<>();
            learner.feed(g.uSupport, support, feeds);
            learner.feed(g.uQuery, query, feeds);
            List<String> wrt = new ArrayList<>(gradAlpha != null ? List.of(THETAS, ALPHA) : List.of(THETAS));
            wrt.addAll(learner.externalGradientInputs(g.uSupport));
            wrt.addAll(learner.externalGradientInputs(g.uQuery));
            OutAndGrad og = g.unrolled.calculateGradientsAndOutputs(feeds, List.of(g.uLoss), wrt);
            loss = og.getOutputs().get(g.uLoss).sumNumber().doubleValue() / t;
            gTheta = og.getGradients().get(THETAS);
            if (gradAlpha != null) gAlpha = og.getGradients().get(ALPHA);
            learner.addExternalGradients(g.uSupport, support, og.getGradients(), gTheta);
            learner.addExternalGradients(g.uQuery, query, og.getGradients(), gTheta);
            lastThetaBytes = 0;
        } else {
            // Feeds are built once per meta-batch and reused by every step; arrays no longer needed are
            // closed at once, so that native memory does not wait for the garbage collector.
            INDArray[] path = new INDArray[steps + 1];
            path[0] = thetas;
            INDArray alphaT = alphaRow.repeat(0, t);
            Map<String, INDArray> supportFeeds = new HashMap<>();
            learner.feed(g.gradSupport.inputs(), support, supportFeeds);
            for (int k = 0; k < steps; k++) {
                INDArray[] lg = gradientAt(g.gradSupport, path[k], supportFeeds);
                INDArray step = lg[1].muli(alphaT);
                path[k + 1] = path[k].sub(step);
                close(lg);
            }
            Map<String, INDArray> queryFeeds = new HashMap<>();
            learner.feed(g.gradQuery.inputs(), query, queryFeeds);
            INDArray[] lq = gradientAt(g.gradQuery, path[steps], queryFeeds);
            loss = lq[0].sumNumber().doubleValue() / t;
            INDArray v = lq[1];
            // parameters outside the graph: the query inputs' gradient at theta_K, and below the support inputs' through each step
            INDArray external = Nd4j.zeros(learner.dataType(), t, p);
            Map<String, INDArray> queryInputGrads = new HashMap<>();
            for (int i = 0; i < g.gradQuery.inputNames().size(); i++) queryInputGrads.put(g.gradQuery.inputNames().get(i), lq[2 + i]);
            learner.addExternalGradients(g.gradQuery.inputs(), query, queryInputGrads, external);
            lq[0].close();
            close(queryFeeds.values().toArray(INDArray[]::new));
            close(supportFeeds.values().toArray(INDArray[]::new));
            if (algorithm.secondOrder()) {
                gAlpha = gradAlpha != null ? Nd4j.zeros(learner.dataType(), 1, p) : null;
                Map<String, INDArray> feeds = new HashMap<>();
                learner.feed(g.hInputs, support, feeds);
                INDArray[] supportArrays = feeds.values().toArray(INDArray[]::new);
                for (int k = steps - 1; k >= 0; k--) {
                    g.hvp.getVariable(THETAS).getArr().assign(path[k]);
                    INDArray u = v.mul(alphaT);
                    feeds.put("v", u);
                    List<String> wrt = new ArrayList<>(List.of(THETAS));
                    List<String> supportInputs = learner.externalGradientInputs(g.hInputs);
                    wrt.addAll(supportInputs);
                    OutAndGrad og = g.hvp.calculateGradientsAndOutputs(feeds, List.of(g.hGrad), wrt);
                    INDArray gk = og.getOutputs().get(g.hGrad);
                    if (!supportInputs.isEmpty()) {
                        // theta_{k+1} = theta_k - alpha g(theta_k, x_s): the support inputs' share is -d/dx_s <g, alpha v>
                        Map<String, INDArray> negated = new HashMap<>();
                        for (String name : supportInputs) negated.put(name, og.getGradients().get(name).neg());
                        learner.addExternalGradients(g.hInputs, support, negated, external);
                    }
                    if (gAlpha != null) gAlpha.subi(gk.mul(v).sum(true, 0));
                    INDArray hv = og.getGradients().get(THETAS);
                    INDArray next = v.sub(hv);
                    close(u, gk, hv, v);
                    if (k > 0) path[k].close();
                    v = next;
                }
                close(supportArrays);
            }
            gTheta = v.addi(external);
            lastThetaBytes = (long) (steps + 1) * t * p * learner.dataType().width();
        }
        double[] mean = gTheta.mean(0).castTo(DataType.DOUBLE).toDoubleVector();
        System.arraycopy(mean, 0, gradTheta, 0, p);
        if (gradAlpha != null) {
            double[] ga = gAlpha.castTo(DataType.DOUBLE).reshape(p).toDoubleVector();
            for (int i = 0; i < p; i++) gradAlpha[i] = ga[i] / t;
        }
        return loss;
    }

    /** Per-task loss [T] and gradient [T, P] at {@code thetas} on one split. */
    private static void close(INDArray... arrays) {
        for (INDArray a : arrays) if (a != null && a.closeable()) a.close();
    }

    private INDArray[] gradientAt(GradGraph g, INDArray thetas, Map<String, INDArray> feeds) {
        g.sd().getVariable(THETAS).getArr().assign(thetas);
        List<String> names = new ArrayList<>(List.of(g.loss(), g.grad()));
        names.addAll(g.inputGrads());
        Map<String, INDArray> out = g.sd().output(feeds, names.toArray(String[]::new));
        INDArray[] result = new INDArray[names.size()];
        for (int i = 0; i < names.size(); i++) result[i] = out.get(names.get(i));
        return result;
    }

    @Override
    public long workingBytes() {
        return lastThetaBytes;
    }

    /** Names of the graphs built so far, for diagnostics. */
    Set<Integer> builtSizes() {
        return graphs.keySet();
    }
}
