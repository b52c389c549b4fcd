package dev.metamorph.model;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A SameDiff session memory manager for graphs whose every output is copied out before the next
 * call: arrays are pooled by dtype and shape, and {@link #endCall()} returns all arrays handed out
 * during the call to the pool, including those the session never released (inputs of view ops,
 * outputs). Fresh native buffers cost page faults on this kind of VM, so steady-state calls then
 * allocate nothing. Only for graphs owned by {@link GatedAttentionLearner}, which copies outputs
 * out immediately; arrays returned by a call are overwritten by the next call.
 */
final class CallScopedArrays extends AbstractMemoryMgr {
    private final Map<String, ArrayDeque<INDArray>> pool = new HashMap<>();
    private final Set<INDArray> live = Collections.newSetFromMap(new IdentityHashMap<>());

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        String key = dataType + Arrays.toString(shape);
        ArrayDeque<INDArray> q = pool.get(key);
        INDArray a = q == null || q.isEmpty() ? Nd4j.createUninitializedDetached(dataType, shape) : q.poll();
        live.add(a);
        return a;
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.getOrder() != 'c') return Nd4j.createUninitializedDetached(descriptor.dataType(), descriptor.getOrder(), descriptor.getShape());
        return allocate(detached, descriptor.dataType(), descriptor.getShape());
    }

    @Override
    public void release(INDArray array) {
        if (array != null && live.remove(array)) park(array);
    }

    /** Returns every array handed out since the last call to the pool; the caller must hold no references to them. */
    void endCall() {
        for (INDArray a : live) park(a);
        live.clear();
    }

    private void park(INDArray a) {
        pool.computeIfAbsent(a.dataType() + Arrays.toString(a.shape()), k -> new ArrayDeque<>()).add(a);
    }

    @Override
    public void close() {
        pool.clear();
        live.clear();
    }
}
