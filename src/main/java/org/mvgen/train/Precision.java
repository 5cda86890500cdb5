package org.mvgen.train;

import java.util.Locale;
import org.mvgen.torch.CpuFeatures;

/** The arithmetic of training: {@code train.precision}. */
public enum Precision {
  FLOAT32,
  /** Mixed precision: bf16 matrix products and convolutions, float32 weights, statistics, loss. */
  BFLOAT16,
  /** bfloat16 on a CPU where it measured faster ({@link CpuFeatures#trainInBf16}), else float32. */
  AUTO;

  /** Parses {@code float32}, {@code bfloat16} or {@code auto}, naming the setting when wrong. */
  public static Precision parse(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "float32", "fp32" -> FLOAT32;
      case "bfloat16", "bf16" -> BFLOAT16;
      case "auto" -> AUTO;
      default ->
          throw new IllegalArgumentException(
              "train.precision '" + s + "' must be float32, bfloat16 or auto");
    };
  }

  /** Whether to compute in bfloat16 on the CPU ({@code cpu}) or a GPU. */
  public boolean bf16(boolean cpu) {
    return switch (this) {
      case BFLOAT16 -> true;
      case FLOAT32 -> false;
      case AUTO -> cpu && CpuFeatures.trainInBf16();
    };
  }

  /** The setting's spelling. */
  public String setting() {
    return name().toLowerCase(Locale.ROOT);
  }
}
