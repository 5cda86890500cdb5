package org.mvgen.rave.model;

import java.util.SplittableRandom;

/**
 * Data augmentation of RAVE training crops, as RAVE's trainer does it (the random crop itself is
 * {@link RaveTask}'s): with probability {@code phaseProbability} a random second-order all-pass
 * filter ("phase mangling": the spectrum's magnitude stays, its phase turns around a random
 * frequency, so the model cannot learn one recording's phase), then uniform dequantisation noise of
 * one step of {@code dequantizeBits}-bit audio (int16 storage makes the signal take 65 536 values
 * only; the noise fills the gaps). Both draw from the caller's random source, so a step's batch
 * stays a function of (seed, step) and resume stays exact.
 *
 * @param phaseProbability chance that an example is phase-mangled (RAVE: 0.8; 0 = never)
 * @param minFrequency lowest centre of the all-pass, Hz (RAVE: 20)
 * @param maxFrequency highest centre, Hz (RAVE: 2000)
 * @param poleRadius radius of the all-pass poles, below 1 (RAVE: 0.99)
 * @param dequantizeBits the noise's step is 2 / 2^bits of full scale (RAVE: 16; 0 = none)
 */
public record Augmentation(
    double phaseProbability,
    double minFrequency,
    double maxFrequency,
    double poleRadius,
    int dequantizeBits) {

  /** No augmentation (tests, parity, benchmarks). */
  public static final Augmentation NONE = new Augmentation(0, 20, 2000, 0.99, 0);

  public Augmentation {
    if (!(phaseProbability >= 0 && phaseProbability <= 1)) {
      throw new IllegalArgumentException(
          "the phase-mangling probability must be in [0, 1], not " + phaseProbability);
    }
    if (!(minFrequency > 0 && maxFrequency >= minFrequency)) {
      throw new IllegalArgumentException(
          "all-pass frequencies must satisfy 0 < min <= max, not "
              + minFrequency
              + ", "
              + maxFrequency);
    }
    if (!(poleRadius > 0 && poleRadius < 1)) {
      throw new IllegalArgumentException(
          "the all-pass pole radius must be in (0, 1), not " + poleRadius);
    }
    if (dequantizeBits < 0 || dequantizeBits > 24) {
      throw new IllegalArgumentException(
          "dequantisation bits must be 0 (none) to 24, not " + dequantizeBits);
    }
  }

  /** RAVE's defaults with the given probability and bits. */
  public static Augmentation of(double phaseProbability, int dequantizeBits) {
    return new Augmentation(phaseProbability, 20, 2000, 0.99, dequantizeBits);
  }

  public boolean isNone() {
    return phaseProbability == 0 && dequantizeBits == 0;
  }

  /** What to do to one example: drawn for every example of a batch, on every rank alike. */
  record Draw(double frequency, long noiseSeed) {
    static final Draw NONE = new Draw(0, 0);
  }

  /** Draws one example's augmentation from {@code rnd} (a fixed number of draws, always). */
  Draw draw(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double f = minFrequency + rnd.nextDouble() * (maxFrequency - minFrequency);
    long noise = rnd.nextLong();
    return new Draw(u < phaseProbability ? f : 0, noise);
  }

  /** Applies {@code d} to {@code x[off .. off + len)} in place; audio at {@code sampleRate}. */
  void apply(Draw d, float[] x, int off, int len, int sampleRate) {
    if (d.frequency() > 0) {
      allPass(x, off, len, d.frequency() / sampleRate, poleRadius);
    }
    if (dequantizeBits > 0) {
      double step = 2.0 / (1L << dequantizeBits);
      SplittableRandom r = new SplittableRandom(d.noiseSeed());
      for (int i = off; i < off + len; i++) {
        x[i] += (float) ((r.nextDouble() - 0.5) * step);
      }
    }
  }

  /**
   * A second-order all-pass, {@code H(z) = (a2 + a1 z^-1 + z^-2) / (1 + a1 z^-1 + a2 z^-2)} with
   * poles at radius {@code r} and angle {@code 2 pi f}: gain 1 at every frequency, a phase that
   * turns by 2 pi around {@code f} (cycles per sample). Direct form I, in double.
   */
  static void allPass(float[] x, int off, int len, double f, double r) {
    double a1 = -2 * r * Math.cos(2 * Math.PI * f);
    double a2 = r * r;
    double x1 = 0;
    double x2 = 0;
    double y1 = 0;
    double y2 = 0;
    for (int i = off; i < off + len; i++) {
      double in = x[i];
      double y = a2 * in + a1 * x1 + x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = in;
      y2 = y1;
      y1 = y;
      x[i] = (float) y;
    }
  }
}
