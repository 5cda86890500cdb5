package org.mvgen.rave.model;

/**
 * Designs a pseudo-quadrature mirror filter bank (PQMF) in plain Java: a Kaiser-window low-pass
 * prototype whose cutoff is chosen for near-perfect reconstruction, cosine-modulated into {@code M}
 * analysis filters, plus the polyphase form of the synthesis.
 *
 * <p>The prototype follows the classic recipe (Lin and Vaidyanathan 1998, as the RAVE paper uses
 * it): for a stop-band attenuation {@code A} dB, Kaiser's {@code beta} and tap count for a
 * transition width {@code wc / pi}; the cutoff {@code wc} minimises the largest value of the
 * autocorrelation {@code g = h * reverse(h)} at the nonzero multiples of {@code 2M} (a prototype
 * whose {@code g} vanishes there reconstructs perfectly). The filter is then centre-padded to
 * {@code N + 1} taps with {@code N} the next multiple of {@code 2M}, so that the synthesis splits
 * into {@code M} polyphase components of {@code N / M + 1} taps.
 *
 * <p>Time convention (centred mode): band sample {@code m} is centred on audio sample {@code M *
 * m}; analysis followed by synthesis returns the input with no delay, up to the reconstruction
 * error (below -60 dB for 16 bands at 100 dB).
 */
public final class PqmfDesign {
  private final int bands;
  private final double attenuation;
  private final double cutoff;
  private final double beta;
  private final int taps;
  private final double[] prototype; // N + 1 taps, centre-padded

  private PqmfDesign(int bands, double attenuation, double cutoff, double[] designed) {
    this.bands = bands;
    this.attenuation = attenuation;
    this.cutoff = cutoff;
    this.beta = kaiserBeta(attenuation);
    this.taps = designed.length;
    int n = ceilDiv(designed.length - 1, 2 * bands) * 2 * bands;
    prototype = new double[n + 1];
    System.arraycopy(designed, 0, prototype, (n + 1 - designed.length) / 2, designed.length);
  }

  /** Designs the bank for {@code bands} bands and {@code attenuation} dB (RAVE uses 16 and 100). */
  public static PqmfDesign design(int bands, double attenuation) {
    if (bands < 2 || Integer.bitCount(bands) != 1) {
      throw new IllegalArgumentException("PQMF bands (" + bands + ") must be a power of two >= 2");
    }
    double beta = kaiserBeta(attenuation);
    // Scan the cutoff around pi / (2M), where the criterion has its minimum, then refine.
    double centre = Math.PI / (2 * bands);
    double best = centre;
    double bestValue = Double.POSITIVE_INFINITY;
    double lo = 0.6 * centre;
    double hi = 1.6 * centre;
    int steps = 1000;
    for (int i = 0; i <= steps; i++) {
      double wc = lo + (hi - lo) * i / steps;
      double v = criterion(prototype(wc, attenuation, beta), bands);
      if (v < bestValue) {
        bestValue = v;
        best = wc;
      }
    }
    double step = (hi - lo) / steps;
    for (int round = 0; round < 3; round++) {
      double from = best - step;
      double to = best + step;
      step = (to - from) / 100;
      for (int i = 0; i <= 100; i++) {
        double wc = from + step * i;
        double v = criterion(prototype(wc, attenuation, beta), bands);
        if (v < bestValue) {
          bestValue = v;
          best = wc;
        }
      }
    }
    return new PqmfDesign(bands, attenuation, best, prototype(best, attenuation, beta));
  }

  /** Kaiser's beta for a stop-band attenuation of {@code a} dB. */
  static double kaiserBeta(double a) {
    if (a > 50) {
      return 0.1102 * (a - 8.7);
    }
    if (a > 21) {
      return 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
    }
    return 0;
  }

  /** Kaiser's tap count for attenuation {@code a} dB and transition width {@code wc / pi}, odd. */
  static int kaiserTaps(double a, double wc) {
    int n = (int) Math.ceil((a - 7.95) / (2.285 * wc) + 1);
    return n % 2 == 0 ? n + 1 : n;
  }

  /** The Kaiser window of {@code n} points with shape {@code beta}. */
  static double[] kaiser(int n, double beta) {
    double[] w = new double[n];
    double i0b = besselI0(beta);
    for (int i = 0; i < n; i++) {
      double r = n == 1 ? 0 : 2.0 * i / (n - 1) - 1;
      w[i] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    }
    return w;
  }

  /** The modified Bessel function of the first kind, order 0 (power series). */
  static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double q = x * x / 4;
    for (int k = 1; k < 500; k++) {
      term *= q / ((double) k * k);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return sum;
  }

  /**
   * The windowed-sinc low-pass with cutoff {@code wc} rad/sample, unit gain at DC, Kaiser window.
   */
  static double[] prototype(double wc, double attenuation, double beta) {
    int n = kaiserTaps(attenuation, wc);
    double[] w = kaiser(n, beta);
    double f = wc / Math.PI;
    double[] h = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double m = i - (n - 1) / 2.0;
      double x = f * m;
      double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      h[i] = f * sinc * w[i];
      sum += h[i];
    }
    for (int i = 0; i < n; i++) {
      h[i] /= sum;
    }
    return h;
  }

  /**
   * The near-perfect-reconstruction criterion: the largest {@code |g[2M k]|}, {@code k != 0}, of
   * the autocorrelation {@code g} of {@code h}.
   */
  static double criterion(double[] h, int bands) {
    int n = h.length;
    double worst = 0;
    for (int lag = 2 * bands; lag < n; lag += 2 * bands) {
      double g = 0;
      for (int i = 0; i + lag < n; i++) {
        g += h[i] * h[i + lag];
      }
      worst = Math.max(worst, Math.abs(g));
    }
    return worst;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  public int bands() {
    return bands;
  }

  public double attenuation() {
    return attenuation;
  }

  /** The cutoff found, in rad/sample. */
  public double cutoff() {
    return cutoff;
  }

  public double beta() {
    return beta;
  }

  /** Taps of the designed prototype before centre padding (odd). */
  public int designedTaps() {
    return taps;
  }

  /** {@code N}: the bank's filters have {@code N + 1} taps; a multiple of {@code 2M}. */
  public int order() {
    return prototype.length - 1;
  }

  /** The centre-padded prototype ({@code N + 1} taps), a copy. */
  public double[] prototype() {
    return prototype.clone();
  }

  /**
   * Analysis filter {@code k} at tap {@code t}: {@code 2 h[t] cos((2k+1) pi/(2M) (t - N/2) + (-1)^k
   * pi/4)}.
   */
  double filter(int k, int t) {
    int n = order();
    double phase = (k % 2 == 0 ? 1 : -1) * Math.PI / 4;
    return 2 * prototype[t] * Math.cos((2 * k + 1) * Math.PI / (2 * bands) * (t - n / 2.0) + phase);
  }

  /**
   * The analysis bank as a conv1d weight {@code [M, 1, N + 1]} (row-major): band {@code k} of the
   * output at frame {@code m} is {@code sum_j x[M m - N/2 + j] w[k, 0, j]}.
   */
  public float[] analysisWeight() {
    int n = order();
    float[] w = new float[bands * (n + 1)];
    for (int k = 0; k < bands; k++) {
      for (int t = 0; t <= n; t++) {
        w[k * (n + 1) + t] = (float) filter(k, t);
      }
    }
    return w;
  }

  /** Taps of each polyphase synthesis component: {@code N / M + 1}. */
  public int synthesisTaps() {
    return order() / bands + 1;
  }

  /**
   * The polyphase synthesis as a conv1d weight {@code [M, M, N/M + 1]} (output phase {@code r},
   * band {@code k}, tap {@code i}): with the bands padded by {@code N / (2M)} frames on each side,
   * output channel {@code r} at frame {@code q} is audio sample {@code M q + r}. The weight is
   * {@code M h_k[N - M i + r]} (zero past the filter's end); the factor {@code M} restores the
   * energy lost by decimation.
   */
  public float[] synthesisWeight() {
    int n = order();
    int k2 = synthesisTaps();
    float[] w = new float[bands * bands * k2];
    for (int r = 0; r < bands; r++) {
      for (int k = 0; k < bands; k++) {
        for (int i = 0; i < k2; i++) {
          int t = n - bands * i + r;
          double v = t <= n && t >= 0 ? bands * filter(k, t) : 0;
          w[(r * bands + k) * k2 + i] = (float) v;
        }
      }
    }
    return w;
  }
}
