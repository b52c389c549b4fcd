package dev.metamorph.pipeline.export;

/**
 * Which frozen base an adapter reads: its kind ({@code none}, {@code minilm-l6}, {@code onnx}), a
 * short name ({@code minilm-l6/int8}) and the SHA-256 of its model file (empty for {@code none}).
 * Two bases are the same when kind and SHA-256 are.
 */
public record BaseIdentity(String kind, String name, String sha256) {
    public static final BaseIdentity NONE = new BaseIdentity("none", "none", "");

    public BaseIdentity {
        kind = kind == null ? "none" : kind;
        name = name == null ? kind : name;
        sha256 = sha256 == null ? "" : sha256;
    }

    public boolean sameAs(BaseIdentity other) {
        return kind.equals(other.kind) && sha256.equals(other.sha256);
    }

    @Override
    public String toString() {
        return sha256.isEmpty() ? name : name + " (SHA-256 " + sha256 + ")";
    }
}
