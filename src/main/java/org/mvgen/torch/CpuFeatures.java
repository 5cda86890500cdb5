package org.mvgen.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this CPU offers libtorch's oneDNN kernels, read once from {@code /proc/cpuinfo}, and the
 * arithmetic mvgen chooses from it where a setting says {@code auto}.
 *
 * <p>The choices are measured, per CPU class, by {@code bench/decoder-bench.sh} (BENCHMARKS.md): a
 * figure from one CPU says nothing about another.
 */
public final class CpuFeatures {
  /** The bfloat16 units a CPU has, fastest last. */
  public enum Bf16Units {
    NONE,
    /** AVX-512 BF16 dot products (AMD Zen 4 EPYC, Intel Cooper Lake and later). */
    AVX512_BF16,
    /** AMX tiles (Intel Sapphire Rapids and later). */
    AMX
  }

  private static final String INFO = read();

  private CpuFeatures() {}

  private static String read() {
    try {
      return Files.readString(Path.of("/proc/cpuinfo"));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** The bfloat16 units of this CPU. */
  public static Bf16Units bf16Units() {
    if (INFO.contains(" amx_bf16")) {
      return Bf16Units.AMX;
    }
    return INFO.contains(" avx512_bf16") ? Bf16Units.AVX512_BF16 : Bf16Units.NONE;
  }

  /** The CPU's model name, for benchmark records and logs. */
  public static String modelName() {
    for (String line : INFO.split("\n")) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return System.getProperty("os.arch");
  }

  /**
   * Whether {@code precision = auto} trains in bfloat16 on this CPU: where bf16 units exist. On AMX
   * (Xeon) decoder training ran about 2x faster in bf16; on an AMD EPYC with AVX-512 BF16 and no
   * AMX, see BENCHMARKS.md ("Training precision by CPU class").
   */
  public static boolean trainInBf16() {
    return bf16Units() != Bf16Units.NONE;
  }

  /** Whether {@code precision = auto} generates frames in bfloat16 on this CPU. */
  public static boolean inferInBf16() {
    return bf16Units() != Bf16Units.NONE;
  }
}
