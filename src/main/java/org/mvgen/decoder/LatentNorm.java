package org.mvgen.decoder;

import java.util.Arrays;

/**
 * Per-dimension standardisation of latents, {@code (z - mean) / std}, measured on the training
 * pairs and stored in the bundle so that generation feeds the network exactly what training did.
 * Frames need no stored statistics: they always map bytes {@code [0, 255]} to {@code [-1, 1]} as
 * {@code x / 127.5 - 1} (see {@link Frames}).
 */
public record LatentNorm(float[] mean, float[] std) {
  /** Most pairs read to estimate the statistics: enough for 4 significant digits. */
  private static final int MAX_SAMPLES = 20_000;

  public LatentNorm {
    if (mean.length != std.length) {
      throw new IllegalArgumentException("mean and std differ in length");
    }
  }

  /** Mean and standard deviation of up to 20,000 evenly spaced pairs of {@code src}. */
  public static LatentNorm measure(PairSource src) {
    int d = src.latentSize();
    long n = src.size();
    int k = (int) Math.min(n, MAX_SAMPLES);
    double[] sum = new double[d];
    double[] sq = new double[d];
    float[] z = new float[d];
    for (int j = 0; j < k; j++) {
      src.latent(j * n / k, z, 0);
      for (int c = 0; c < d; c++) {
        sum[c] += z[c];
        sq[c] += (double) z[c] * z[c];
      }
    }
    float[] mean = new float[d];
    float[] std = new float[d];
    for (int c = 0; c < d; c++) {
      double m = sum[c] / k;
      double var = Math.max(0, sq[c] / k - m * m);
      mean[c] = (float) m;
      // A constant dimension carries no information; dividing by ~0 would only amplify noise.
      std[c] = (float) Math.max(Math.sqrt(var), 1e-6);
    }
    return new LatentNorm(mean, std);
  }

  /** The identity normalisation. */
  public static LatentNorm identity(int d) {
    float[] one = new float[d];
    Arrays.fill(one, 1f);
    return new LatentNorm(new float[d], one);
  }

  public int dim() {
    return mean.length;
  }

  /** Normalises {@code n} latents in place, laid out one after another from {@code off}. */
  public void apply(float[] z, int off, int n) {
    int d = mean.length;
    for (int i = 0; i < n; i++) {
      int o = off + i * d;
      for (int c = 0; c < d; c++) {
        z[o + c] = (z[o + c] - mean[c]) / std[c];
      }
    }
  }
}
