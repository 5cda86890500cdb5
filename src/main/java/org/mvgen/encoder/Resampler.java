package org.mvgen.encoder;

/**
 * Band-limited resampling by a Hann-windowed sinc (16 zero crossings each side, cutoff at the lower
 * Nyquist frequency). Used to feed a model trained at another sample rate; pure Java.
 */
public final class Resampler {
  private static final int ZEROS = 16;

  private Resampler() {}

  /**
   * Returns {@code x} (at {@code from} Hz) resampled to {@code to} Hz; output sample i is at i/to
   * s.
   */
  public static float[] resample(float[] x, int from, int to) {
    if (from <= 0 || to <= 0) {
      throw new IllegalArgumentException("sample rates must be positive: " + from + ", " + to);
    }
    if (from == to) {
      return x.clone();
    }
    int n = (int) Math.ceil((double) x.length * to / from);
    float[] y = new float[n];
    double cutoff = Math.min(1.0, (double) to / from); // relative to the input Nyquist
    double halfWidth = ZEROS / cutoff; // in input samples
    for (int i = 0; i < n; i++) {
      double t = (double) i * from / to;
      int lo = (int) Math.ceil(t - halfWidth);
      int hi = (int) Math.floor(t + halfWidth);
      double s = 0;
      for (int j = Math.max(lo, 0); j <= Math.min(hi, x.length - 1); j++) {
        double d = j - t;
        double arg = d * cutoff;
        double sinc = arg == 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
        double w = 0.5 + 0.5 * Math.cos(Math.PI * d / halfWidth);
        s += x[j] * sinc * w * cutoff;
      }
      y[i] = (float) s;
    }
    return y;
  }
}
