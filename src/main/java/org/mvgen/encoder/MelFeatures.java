package org.mvgen.encoder;

/**
 * Log-mel features of one window of audio: Hann window, power spectrum by FFT, triangular mel
 * filters (HTK mel scale), natural log. Pure Java; holds scratch buffers, so one instance per
 * thread.
 */
public final class MelFeatures {
  /** Added to the mel energies before the log, so that silence gives a finite -13.8. */
  static final double FLOOR = 1e-6;

  private final int window;
  private final int nfft;
  private final int bands;
  private final float[] hann;
  private final float[][] filters; // [bands][nfft / 2 + 1], mostly zeros
  private final int[] first; // first nonzero bin of each filter
  private final int[] last; // last nonzero bin + 1
  private final double[] re;
  private final double[] im;
  private final double[] power;
  private final double[] cos;
  private final double[] sin;

  /**
   * Creates features for windows of {@code window} samples at {@code sampleRate} Hz with {@code
   * bands} mel bands between {@code fmin} and {@code fmax} Hz.
   */
  public MelFeatures(int sampleRate, int window, int bands, double fmin, double fmax) {
    if (window < 16) {
      throw new IllegalArgumentException("window (" + window + ") must be at least 16 samples");
    }
    if (bands < 1) {
      throw new IllegalArgumentException("bands (" + bands + ") must be positive");
    }
    fmax = Math.min(fmax, sampleRate / 2.0);
    if (!(fmin >= 0 && fmin < fmax)) {
      throw new IllegalArgumentException("fmin (" + fmin + ") must be in [0, fmax = " + fmax + ")");
    }
    this.window = window;
    this.bands = bands;
    int n = Integer.highestOneBit(window);
    this.nfft = n == window ? n : 2 * n;
    hann = new float[window];
    for (int i = 0; i < window; i++) {
      // Periodic Hann: the usual choice for STFT analysis.
      hann[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / window));
    }
    int bins = nfft / 2 + 1;
    filters = new float[bands][bins];
    first = new int[bands];
    last = new int[bands];
    double mlo = hzToMel(fmin);
    double mhi = hzToMel(fmax);
    double[] edges = new double[bands + 2];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = melToHz(mlo + (mhi - mlo) * i / (bands + 1));
    }
    for (int b = 0; b < bands; b++) {
      double lo = edges[b];
      double mid = edges[b + 1];
      double hi = edges[b + 2];
      first[b] = bins;
      last[b] = 0;
      for (int k = 0; k < bins; k++) {
        double f = (double) k * sampleRate / nfft;
        double w = 0;
        if (f > lo && f <= mid) {
          w = (f - lo) / (mid - lo);
        } else if (f > mid && f < hi) {
          w = (hi - f) / (hi - mid);
        }
        if (w > 0) {
          filters[b][k] = (float) w;
          first[b] = Math.min(first[b], k);
          last[b] = k + 1;
        }
      }
      if (last[b] == 0) {
        // A band narrower than one FFT bin: give it the nearest bin, so it is never empty.
        int k = (int) Math.min(bins - 1, Math.round(mid * nfft / sampleRate));
        filters[b][k] = 1;
        first[b] = k;
        last[b] = k + 1;
      }
    }
    re = new double[nfft];
    im = new double[nfft];
    power = new double[bins];
    cos = new double[nfft / 2];
    sin = new double[nfft / 2];
    for (int i = 0; i < nfft / 2; i++) {
      cos[i] = Math.cos(-2 * Math.PI * i / nfft);
      sin[i] = Math.sin(-2 * Math.PI * i / nfft);
    }
  }

  public int window() {
    return window;
  }

  public int bands() {
    return bands;
  }

  /** Writes the {@link #bands()} log-mel energies of {@code pcm[off .. off + window)} to dst. */
  public void compute(float[] pcm, int off, float[] dst, int dstOff) {
    for (int i = 0; i < window; i++) {
      re[i] = pcm[off + i] * hann[i];
      im[i] = 0;
    }
    for (int i = window; i < nfft; i++) {
      re[i] = 0;
      im[i] = 0;
    }
    fft(re, im);
    for (int k = 0; k < power.length; k++) {
      power[k] = re[k] * re[k] + im[k] * im[k];
    }
    for (int b = 0; b < bands; b++) {
      double e = 0;
      float[] f = filters[b];
      for (int k = first[b]; k < last[b]; k++) {
        e += f[k] * power[k];
      }
      dst[dstOff + b] = (float) Math.log(e + FLOOR);
    }
  }

  /** In-place iterative radix-2 FFT. */
  private void fft(double[] xr, double[] xi) {
    int n = xr.length;
    for (int i = 1, j = 0; i < n; i++) {
      int bit = n >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j ^= bit;
      if (i < j) {
        double t = xr[i];
        xr[i] = xr[j];
        xr[j] = t;
        t = xi[i];
        xi[i] = xi[j];
        xi[j] = t;
      }
    }
    for (int len = 2; len <= n; len <<= 1) {
      int step = n / len;
      int half = len >> 1;
      for (int i = 0; i < n; i += len) {
        for (int k = 0; k < half; k++) {
          double wr = cos[k * step];
          double wi = sin[k * step];
          int a = i + k;
          int b = a + half;
          double tr = xr[b] * wr - xi[b] * wi;
          double ti = xr[b] * wi + xi[b] * wr;
          xr[b] = xr[a] - tr;
          xi[b] = xi[a] - ti;
          xr[a] += tr;
          xi[a] += ti;
        }
      }
    }
  }

  static double hzToMel(double hz) {
    return 2595.0 * Math.log10(1.0 + hz / 700.0);
  }

  static double melToHz(double mel) {
    return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
  }
}
