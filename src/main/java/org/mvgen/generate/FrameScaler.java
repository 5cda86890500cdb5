package org.mvgen.generate;

/**
 * Resizes square packed-RGB frames with bilinear filtering (pixel centres aligned). Weights and
 * source columns are computed once per size pair and the inner loop is integer arithmetic, because
 * this runs on every rendered frame (256² at hundreds of frames per second).
 */
public final class FrameScaler {
  private final int from;
  private final int to;
  private final int[] x0;
  private final int[] x1;
  private final int[] fx;
  private final int[] y0;
  private final int[] y1;
  private final int[] fy;

  /**
   * A scaler from {@code from}² to {@code to}² pixels. Not thread-safe (none of its state changes,
   * but keep one per thread).
   */
  public FrameScaler(int from, int to) {
    if (from <= 0 || to <= 0) {
      throw new IllegalArgumentException("sizes " + from + " -> " + to + " must be positive");
    }
    this.from = from;
    this.to = to;
    x0 = new int[to];
    x1 = new int[to];
    fx = new int[to];
    y0 = new int[to];
    y1 = new int[to];
    fy = new int[to];
    double r = (double) from / to;
    for (int i = 0; i < to; i++) {
      double s = Math.max(0, (i + 0.5) * r - 0.5);
      int a = Math.min((int) s, from - 1);
      int w = (int) Math.round((s - a) * 256); // 8-bit fixed-point weight of the second tap
      x0[i] = a * 3;
      x1[i] = Math.min(a + 1, from - 1) * 3;
      fx[i] = w;
      y0[i] = a * from * 3;
      y1[i] = Math.min(a + 1, from - 1) * from * 3;
      fy[i] = w;
    }
  }

  /** Scales {@code src} ({@code from}² pixels at {@code srcOff}) into {@code dst} ({@code to}²). */
  public void scale(byte[] src, int srcOff, byte[] dst, int dstOff) {
    if (from == to) {
      System.arraycopy(src, srcOff, dst, dstOff, from * from * 3);
      return;
    }
    int o = dstOff;
    for (int y = 0; y < to; y++) {
      int r0 = srcOff + y0[y];
      int r1 = srcOff + y1[y];
      int wy = fy[y];
      for (int x = 0; x < to; x++) {
        int a0 = r0 + x0[x];
        int a1 = r0 + x1[x];
        int b0 = r1 + x0[x];
        int b1 = r1 + x1[x];
        int wx = fx[x];
        for (int c = 0; c < 3; c++) {
          int top =
              ((src[a0 + c] & 0xff) << 8) + wx * ((src[a1 + c] & 0xff) - (src[a0 + c] & 0xff));
          int bot =
              ((src[b0 + c] & 0xff) << 8) + wx * ((src[b1 + c] & 0xff) - (src[b0 + c] & 0xff));
          int v = (top << 8) + wy * (bot - top);
          dst[o++] = (byte) ((v + (1 << 15)) >> 16);
        }
      }
    }
  }

  /** Scales one frame with a scaler made for the call. */
  public static void scale(byte[] src, int srcOff, int from, byte[] dst, int dstOff, int to) {
    new FrameScaler(from, to).scale(src, srcOff, dst, dstOff);
  }
}
