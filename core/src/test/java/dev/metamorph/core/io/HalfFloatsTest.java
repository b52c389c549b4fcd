package dev.metamorph.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Exhaustive checks of the 16-bit float conversions: exact round trips and ties-to-even rounding. */
class HalfFloatsTest {

    @Test
    void everyBinary16PatternRoundTripsExactly() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.halfToFloat((short) h);
            assertEquals(h, HalfFloats.floatToHalf(f) & 0xffff, "half bits 0x" + Integer.toHexString(h));
        }
        assertEquals(65504f, HalfFloats.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, HalfFloats.halfToFloat((short) 0x0001));
        assertEquals(-2f, HalfFloats.halfToFloat((short) 0xc000));
    }

    @Test
    void binary16RoundsToNearestTiesToEven() {
        for (int h = 0; h < 0x7bff; h++) {
            double lo = HalfFloats.halfToFloat((short) h);
            double hi = HalfFloats.halfToFloat((short) (h + 1));
            float mid = (float) ((lo + hi) / 2);
            assertEquals((lo + hi) / 2, mid, 0.0, "midpoint must be exact in float");
            int even = (h & 1) == 0 ? h : h + 1;
            assertEquals(even, HalfFloats.floatToHalf(mid) & 0xffff, "tie above 0x" + Integer.toHexString(h));
            assertEquals(h, HalfFloats.floatToHalf(Math.nextDown(mid)) & 0xffff);
            assertEquals(h + 1, HalfFloats.floatToHalf(Math.nextUp(mid)) & 0xffff);
            assertEquals(h | 0x8000, HalfFloats.floatToHalf(-Math.nextDown(mid)) & 0xffff);
        }
        assertEquals(0x7c00, HalfFloats.floatToHalf(65520f) & 0xffff, "65520 rounds to infinity");
        assertEquals(0x7c00, HalfFloats.floatToHalf(Float.MAX_VALUE) & 0xffff);
        assertEquals(0x0000, HalfFloats.floatToHalf(0x1p-26f) & 0xffff);
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.NaN))));
    }

    @Test
    void bfloat16RoundTripsAndRoundsToNearestTiesToEven() {
        for (int b = 0; b < 0x10000; b++) {
            float f = HalfFloats.bfloat16ToFloat((short) b);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(f))));
                continue;
            }
            assertEquals(b, HalfFloats.floatToBfloat16(f) & 0xffff, "bf16 bits 0x" + Integer.toHexString(b));
        }
        for (int b = 0; b < 0x7f7f; b++) {
            int midBits = (b << 16) | 0x8000;
            int even = (b & 1) == 0 ? b : b + 1;
            assertEquals(even, HalfFloats.floatToBfloat16(Float.intBitsToFloat(midBits)) & 0xffff);
            assertEquals(b, HalfFloats.floatToBfloat16(Float.intBitsToFloat(midBits - 1)) & 0xffff);
            assertEquals(b + 1, HalfFloats.floatToBfloat16(Float.intBitsToFloat(midBits + 1)) & 0xffff);
        }
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7f800001)))));
    }
}
