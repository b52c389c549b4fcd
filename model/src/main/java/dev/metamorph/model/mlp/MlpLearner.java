package dev.metamorph.model.mlp;

import dev.metamorph.core.learn.GraphInputs;
import dev.metamorph.core.learn.GraphLearner;
import dev.metamorph.core.learn.KernelLearner;
import dev.metamorph.core.learn.LearnerKernel;
import dev.metamorph.core.learn.LossAndGradient;
import dev.metamorph.core.learn.ParamLayout;
import dev.metamorph.core.learn.RegressionBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dense ReLU MLP (sizes such as 1-40-40-1, linear output) with MSE loss, in DOUBLE.
 *
 * <p>Layout: for each layer l a group {@code layer<l>.weight} [out, in] and {@code layer<l>.bias}
 * [out]; the last layer's groups are named {@code head.weight} and {@code head.bias} (ANIL adapts
 * the groups whose name starts with {@code head}).
 *
 * <p>Two exact paths: {@link #gradientOps} writes the backward pass as ordinary SameDiff forward
 * ops over task-batched thetas [tasks, size] (batched matmul, ReLU masks by {@code step}), so
 * that a graph can differentiate through inner steps; {@link #newKernel()} gives the plain-Java
 * kernel (forward, backward, R-operator Hessian-vector product) that the meta-learners use when
 * {@code maml.backend} is {@code auto} or {@code kernel}. The single-task {@link #lossAndGradient}
 * and {@link #predict} use a kernel too.
 */
public final class MlpLearner implements GraphLearner<RegressionBatch>, KernelLearner<RegressionBatch> {
    /** Group-name prefix of the output layer. */
    public static final String HEAD = "head";
    private final int[] sizes;
    private final ParamLayout layout;
    private final MlpKernel kernel;

    /** @param sizes widths from input to output, at least two entries, all positive. */
    public MlpLearner(List<Integer> sizes) {
        if (sizes.size() < 2) throw new IllegalArgumentException("An MLP needs at least input and output sizes, got " + sizes);
        this.sizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        for (int s : this.sizes) if (s <= 0) throw new IllegalArgumentException("MLP sizes must be positive, got " + sizes);
        ParamLayout.Builder b = ParamLayout.builder();
        for (int l = 0; l + 1 < this.sizes.length; l++) {
            String name = l + 2 == this.sizes.length ? HEAD : "layer" + l;
            b.add(name + ".weight", this.sizes[l + 1], this.sizes[l]);
            b.add(name + ".bias", this.sizes[l + 1]);
        }
        this.layout = b.build();
        this.kernel = new MlpKernel(this.sizes);
    }

    /** The sinusoid network of Finn et al.: 1-40-40-1. */
    public static MlpLearner sinusoid() {
        return new MlpLearner(List.of(1, 40, 40, 1));
    }

    public List<Integer> sizes() {
        return Arrays.stream(sizes).boxed().toList();
    }

    @Override
    public ParamLayout layout() {
        return layout;
    }

    @Override
    public DataType dataType() {
        return DataType.DOUBLE;
    }

    /** PyTorch's default {@code nn.Linear} init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), in layout order. */
    @Override
    public INDArray initialParameters(RandomGenerator rng) {
        return Nd4j.createFromArray(initialParameterArray(rng));
    }

    /** {@link #initialParameters} as a plain array. */
    public double[] initialParameterArray(RandomGenerator rng) {
        double[] theta = new double[(int) layout.size()];
        int k = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            double bound = 1.0 / Math.sqrt(sizes[l]);
            int n = sizes[l] * sizes[l + 1] + sizes[l + 1];
            for (int i = 0; i < n; i++) theta[k++] = rng.nextDouble(-bound, bound);
        }
        return theta;
    }

    @Override
    public LearnerKernel<RegressionBatch> newKernel() {
        return new MlpKernel(sizes);
    }

    @Override
    public LossAndGradient lossAndGradient(INDArray theta, RegressionBatch batch) {
        double[] t = theta.reshape(theta.length()).toDoubleVector();
        double[] g = new double[t.length];
        double loss = kernel.lossAndGradient(t, batch, g);
        return new LossAndGradient(loss, Nd4j.createFromArray(g));
    }

    @Override
    public INDArray predict(INDArray theta, RegressionBatch batch) {
        double[] out = new double[batch.rows() * sizes[sizes.length - 1]];
        kernel.predict(theta.reshape(theta.length()).toDoubleVector(), batch, out);
        return Nd4j.createFromArray(out).reshape(batch.rows(), sizes[sizes.length - 1]);
    }

    // ---- graph form --------------------------------------------------------------------------

    @Override
    public GraphInputs declareInputs(SameDiff sd, String prefix, int tasks, RegressionBatch example) {
        int n = example.rows();
        SDVariable x = sd.placeHolder(prefix + "x", DataType.DOUBLE, tasks, n, sizes[0]);
        SDVariable y = sd.placeHolder(prefix + "y", DataType.DOUBLE, tasks, n, sizes[sizes.length - 1]);
        return new GraphInputs(prefix, tasks, Map.of("x", x, "y", y));
    }

    @Override
    public void feed(GraphInputs inputs, List<RegressionBatch> batches, Map<String, INDArray> feeds) {
        if (batches.size() != inputs.tasks()) throw new IllegalArgumentException("split '" + inputs.prefix() + "' was declared for " + inputs.tasks() + " tasks, got " + batches.size() + " batches");
        int n = batches.get(0).rows(), in = sizes[0], out = sizes[sizes.length - 1];
        double[] x = new double[batches.size() * n * in];
        double[] y = new double[batches.size() * n * out];
        for (int t = 0; t < batches.size(); t++) {
            RegressionBatch b = batches.get(t);
            if (b.rows() != n) throw new IllegalArgumentException("split '" + inputs.prefix() + "': task " + t + " has " + b.rows() + " rows, task 0 has " + n + " (a graph needs equal batch sizes)");
            b.copyX(x, t * n * in);
            b.copyY(y, t * n * out);
        }
        feeds.put(inputs.get("x").name(), Nd4j.createFromArray(x).reshape(batches.size(), n, in));
        feeds.put(inputs.get("y").name(), Nd4j.createFromArray(y).reshape(batches.size(), n, out));
    }

    private SDVariable weight(SameDiff sd, SDVariable thetas, int tasks, int l) {
        String name = l + 2 == sizes.length ? HEAD : "layer" + l;
        var g = layout.group(name + ".weight");
        return sd.reshape(sd.slice(thetas, new int[] {0, (int) g.offset()}, tasks, (int) g.length()), tasks, sizes[l + 1], sizes[l]);
    }

    private SDVariable bias(SameDiff sd, SDVariable thetas, int tasks, int l) {
        String name = l + 2 == sizes.length ? HEAD : "layer" + l;
        var g = layout.group(name + ".bias");
        return sd.reshape(sd.slice(thetas, new int[] {0, (int) g.offset()}, tasks, (int) g.length()), tasks, 1, sizes[l + 1]);
    }

    /** Activations per level (index 0 = input) and pre-activations per level (index 0 unused). */
    private record Forward(List<SDVariable> acts, List<SDVariable> pre) {}

    private Forward forward(SameDiff sd, SDVariable thetas, GraphInputs in) {
        int tasks = in.tasks();
        List<SDVariable> acts = new ArrayList<>();
        List<SDVariable> pre = new ArrayList<>();
        acts.add(in.get("x"));
        pre.add(null);
        for (int l = 0; l + 1 < sizes.length; l++) {
            SDVariable z = sd.mmul(acts.get(l), weight(sd, thetas, tasks, l), false, true, false).add(bias(sd, thetas, tasks, l));
            pre.add(z);
            acts.add(l + 2 == sizes.length ? z : sd.nn().relu(z, 0));
        }
        return new Forward(acts, pre);
    }

    @Override
    public SDVariable lossOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        Forward f = forward(sd, thetas, inputs);
        SDVariable err = f.acts().get(sizes.length - 1).sub(inputs.get("y"));
        return sd.mean(sd.math().square(err), 1, 2);
    }

    @Override
    public SDVariable gradientOps(SameDiff sd, SDVariable thetas, GraphInputs inputs) {
        int tasks = inputs.tasks();
        Forward f = forward(sd, thetas, inputs);
        int last = sizes.length - 1;
        long n = inputs.get("x").getShape()[1];
        double scale = 2.0 / (n * sizes[last]);
        SDVariable dz = f.acts().get(last).sub(inputs.get("y")).mul(scale);
        SDVariable[] parts = new SDVariable[2 * last];
        for (int l = last - 1; l >= 0; l--) {
            SDVariable gw = sd.mmul(dz, f.acts().get(l), true, false, false);           // [T, out, in]
            SDVariable gb = sd.sum(dz, 1);                                             // [T, out]
            parts[2 * l] = sd.reshape(gw, tasks, sizes[l + 1] * sizes[l]);
            parts[2 * l + 1] = gb;
            if (l > 0) {
                SDVariable da = sd.mmul(dz, weight(sd, thetas, tasks, l), false, false, false); // [T, N, in]
                dz = da.mul(sd.math().step(f.pre().get(l), 0.0));
            }
        }
        return sd.concat(1, parts);
    }
}
