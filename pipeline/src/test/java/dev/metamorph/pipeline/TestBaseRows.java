package dev.metamorph.pipeline;

import dev.metamorph.core.data.Record;
import dev.metamorph.model.base.BaseFeatures;
import java.util.ArrayList;
import java.util.List;

/** Base rows for tests: each record one token whose state is its pooled embedding. */
final class TestBaseRows {
    private TestBaseRows() {}

    /** Record i gets {@code pooled[i]} [hidden] as its pooled embedding and as its single token state. */
    static BaseRows of(int hidden, List<Record> records, float[][] pooled) {
        List<float[]> states = new ArrayList<>();
        for (float[] p : pooled) states.add(p.clone());
        int[] lengths = new int[pooled.length];
        java.util.Arrays.fill(lengths, 1);
        BaseFeatures features = BaseFeatures.of(hidden, states, List.of(pooled), lengths);
        BaseRows.Builder b = BaseRows.builder(hidden, "0".repeat(64));
        for (int i = 0; i < records.size(); i++) b.add(records.get(i), features, i);
        return b.build();
    }
}
