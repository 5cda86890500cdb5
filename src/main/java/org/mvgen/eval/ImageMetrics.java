package org.mvgen.eval;

/**
 * PSNR and SSIM of 8-bit RGB frames (packed, row-major). SSIM follows Wang et al. (2004): an 11-tap
 * Gaussian window with sigma 1.5, {@code K1 = 0.01}, {@code K2 = 0.03}, {@code L = 255}, computed
 * on each channel and averaged over pixels (with the window clipped at the borders) and channels.
 */
public final class ImageMetrics {
  private static final double C1 = Math.pow(0.01 * 255, 2);
  private static final double C2 = Math.pow(0.03 * 255, 2);
  private static final double[] WINDOW = gaussian(11, 1.5);

  private ImageMetrics() {}

  /** Sum of squared differences of two equally long byte ranges. */
  public static long squaredError(byte[] a, int aOff, byte[] b, int bOff, int len) {
    long s = 0;
    for (int i = 0; i < len; i++) {
      int d = (a[aOff + i] & 0xff) - (b[bOff + i] & 0xff);
      s += d * d;
    }
    return s;
  }

  /** PSNR in dB for a mean squared error on the 0-255 scale; infinite for 0. */
  public static double psnr(double mse) {
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }

  /** SSIM of two frames of side {@code size}, in [-1, 1]; exactly 1 for identical frames. */
  public static double ssim(byte[] a, int aOff, byte[] b, int bOff, int size) {
    int n = size * size;
    double total = 0;
    double[] x = new double[n];
    double[] y = new double[n];
    double[] mx = new double[n];
    double[] my = new double[n];
    double[] sxx = new double[n];
    double[] syy = new double[n];
    double[] sxy = new double[n];
    double[] tmp = new double[n];
    double[] prod = new double[n];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < n; i++) {
        x[i] = a[aOff + i * 3 + c] & 0xff;
        y[i] = b[bOff + i * 3 + c] & 0xff;
      }
      blur(x, mx, tmp, size);
      blur(y, my, tmp, size);
      for (int i = 0; i < n; i++) {
        prod[i] = x[i] * x[i];
      }
      blur(prod, sxx, tmp, size);
      for (int i = 0; i < n; i++) {
        prod[i] = y[i] * y[i];
      }
      blur(prod, syy, tmp, size);
      for (int i = 0; i < n; i++) {
        prod[i] = x[i] * y[i];
      }
      blur(prod, sxy, tmp, size);
      double sum = 0;
      for (int i = 0; i < n; i++) {
        double vx = sxx[i] - mx[i] * mx[i];
        double vy = syy[i] - my[i] * my[i];
        double cxy = sxy[i] - mx[i] * my[i];
        double num = (2 * mx[i] * my[i] + C1) * (2 * cxy + C2);
        double den = (mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2);
        sum += num / den;
      }
      total += sum / n;
    }
    return total / 3;
  }

  /** Separable Gaussian filter, renormalised where the window leaves the image. */
  private static void blur(double[] src, double[] dst, double[] tmp, int size) {
    int r = WINDOW.length / 2;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double s = 0;
        double w = 0;
        for (int k = -r; k <= r; k++) {
          int xx = x + k;
          if (xx >= 0 && xx < size) {
            s += WINDOW[k + r] * src[y * size + xx];
            w += WINDOW[k + r];
          }
        }
        tmp[y * size + x] = s / w;
      }
    }
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double s = 0;
        double w = 0;
        for (int k = -r; k <= r; k++) {
          int yy = y + k;
          if (yy >= 0 && yy < size) {
            s += WINDOW[k + r] * tmp[yy * size + x];
            w += WINDOW[k + r];
          }
        }
        dst[y * size + x] = s / w;
      }
    }
  }

  private static double[] gaussian(int n, double sigma) {
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      double d = i - n / 2;
      w[i] = Math.exp(-d * d / (2 * sigma * sigma));
    }
    return w;
  }

  /** Mean absolute difference of two frames, on the 0-255 scale. */
  public static double meanAbsDiff(byte[] a, int aOff, byte[] b, int bOff, int len) {
    long s = 0;
    for (int i = 0; i < len; i++) {
      s += Math.abs((a[aOff + i] & 0xff) - (b[bOff + i] & 0xff));
    }
    return (double) s / len;
  }

  /** Pearson correlation of two equally long series; NaN when either is constant or too short. */
  public static double pearson(double[] x, double[] y, int n) {
    if (n < 3) {
      return Double.NaN;
    }
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
  }
}
