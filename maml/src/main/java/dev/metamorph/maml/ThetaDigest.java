package dev.metamorph.maml;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The fingerprint runs are compared by ({@code theta sha256: ...} at the end of {@code meta-train}):
 * SHA-256 of theta's values as little-endian float64, in layout order. Equal digests mean bitwise
 * equal parameters (a float32 model's values widen to float64 exactly).
 */
public final class ThetaDigest {
    private ThetaDigest() {}

    /** 64 lowercase hex digits. */
    public static String sha256(double[] theta) {
        ByteBuffer b = ByteBuffer.allocate(8 * theta.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : theta) b.putDouble(x);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
