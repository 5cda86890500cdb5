package org.mvgen.dataset;

import java.util.Locale;

/**
 * Finds NaN and infinite values where data enters mvgen (decoded audio, stored WAVs, latents), so
 * that they are reported with their file and position instead of turning into NaN latents, a
 * poisoned PCA or a "diverged" training run far from the cause.
 */
public final class NonFinite {
  private NonFinite() {}

  /** Index of the first NaN or infinite value of {@code a[off .. off + len)}, or -1. */
  public static int first(float[] a, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (!Float.isFinite(a[i])) {
        return i - off;
      }
    }
    return -1;
  }

  /** A sample position as seconds for messages, e.g. {@code "12.345 s"}. */
  public static String seconds(long sample, int sampleRate) {
    return String.format(Locale.ROOT, "%.3f s", sample / (double) sampleRate);
  }
}
