package org.mvgen.generate;

/** Resizes square packed-RGB frames with bilinear filtering (pixel centres aligned). */
public final class FrameScaler {
  private FrameScaler() {}

  /** Scales {@code src} ({@code from}² pixels at {@code srcOff}) into {@code dst} ({@code to}²). */
  public static void scale(byte[] src, int srcOff, int from, byte[] dst, int dstOff, int to) {
    if (from == to) {
      System.arraycopy(src, srcOff, dst, dstOff, from * from * 3);
      return;
    }
    double r = (double) from / to;
    for (int y = 0; y < to; y++) {
      double sy = Math.max(0, (y + 0.5) * r - 0.5);
      int y0 = Math.min((int) sy, from - 1);
      int y1 = Math.min(y0 + 1, from - 1);
      double fy = sy - y0;
      for (int x = 0; x < to; x++) {
        double sx = Math.max(0, (x + 0.5) * r - 0.5);
        int x0 = Math.min((int) sx, from - 1);
        int x1 = Math.min(x0 + 1, from - 1);
        double fx = sx - x0;
        for (int c = 0; c < 3; c++) {
          double a = src[srcOff + (y0 * from + x0) * 3 + c] & 0xff;
          double b = src[srcOff + (y0 * from + x1) * 3 + c] & 0xff;
          double d = src[srcOff + (y1 * from + x0) * 3 + c] & 0xff;
          double e = src[srcOff + (y1 * from + x1) * 3 + c] & 0xff;
          double v = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
          dst[dstOff + (y * to + x) * 3 + c] = (byte) Math.round(v);
        }
      }
    }
  }
}
