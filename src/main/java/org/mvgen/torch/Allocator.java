package org.mvgen.torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The glibc allocator settings every process that runs libtorch starts with ({@code
 * GLIBC_TUNABLES}, read by glibc at process start, so set by the {@code mvgen} launcher, {@code
 * run-tests} and the bench scripts from the one resource {@code glibc-tunables}).
 *
 * <p>Why: at glibc's defaults libtorch gets fresh pages for most tensors of a training step (blocks
 * above the mmap threshold are mapped and unmapped each time, the heap's top is trimmed), and the
 * kernel zeroes every page on first touch. RAVE training on 2 cores took ~700 000 page faults in 20
 * s, about 40 % of its time. The settings keep freed memory in one heap (mmap threshold at its 32
 * MB maximum, no trimming, one arena) on transparent huge pages: RAVE steps 1.1-4x and decoder
 * training 2x faster at the same peak memory (BENCHMARKS.md, "Allocator"). Memory a process has
 * freed stays mapped until it exits, which suits mvgen's processes (one job each).
 */
public final class Allocator {
  private static final String ENV = "GLIBC_TUNABLES";

  private Allocator() {}

  /** The {@code GLIBC_TUNABLES} value mvgen starts its processes with. */
  public static String tunables() {
    try (InputStream in = Allocator.class.getResourceAsStream("glibc-tunables")) {
      if (in == null) {
        throw new IllegalStateException("the resource org/mvgen/torch/glibc-tunables is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether this process was started with glibc allocator settings (mvgen's or the user's). */
  public static boolean tuned() {
    String v = System.getenv(ENV);
    return v != null && v.contains("glibc.malloc.");
  }

  /**
   * A hint for a process started without them (null when it was): what it costs and how to set
   * them.
   */
  public static String hint() {
    if (tuned()) {
      return null;
    }
    return "this process was started without mvgen's allocator settings (the ./mvgen launcher"
        + " sets them); training on the CPU can be up to 2x slower. Start it through ./mvgen, or"
        + " with "
        + ENV
        + "="
        + tunables();
  }
}
