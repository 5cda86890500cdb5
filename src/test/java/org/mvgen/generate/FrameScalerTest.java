package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FrameScalerTest {
  /** The plain double-precision bilinear reference the fast scaler must match to one level. */
  static int reference(byte[] src, int from, int to, int x, int y, int c) {
    double r = (double) from / to;
    double sy = Math.max(0, (y + 0.5) * r - 0.5);
    double sx = Math.max(0, (x + 0.5) * r - 0.5);
    int ya = Math.min((int) sy, from - 1);
    int yb = Math.min(ya + 1, from - 1);
    int xa = Math.min((int) sx, from - 1);
    int xb = Math.min(xa + 1, from - 1);
    double fy = sy - ya;
    double fx = sx - xa;
    double a = src[(ya * from + xa) * 3 + c] & 0xff;
    double b = src[(ya * from + xb) * 3 + c] & 0xff;
    double d = src[(yb * from + xa) * 3 + c] & 0xff;
    double e = src[(yb * from + xb) * 3 + c] & 0xff;
    return (int) Math.round((a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy);
  }

  @Test
  void matchesTheBilinearReferenceUpAndDown() {
    java.util.Random rnd = new java.util.Random(3);
    for (int[] sizes : new int[][] {{8, 20}, {20, 8}, {64, 256}, {7, 7}}) {
      int from = sizes[0];
      int to = sizes[1];
      byte[] src = new byte[from * from * 3];
      rnd.nextBytes(src);
      byte[] dst = new byte[to * to * 3 + 5];
      new FrameScaler(from, to).scale(src, 0, dst, 5);
      for (int y = 0; y < to; y++) {
        for (int x = 0; x < to; x++) {
          for (int c = 0; c < 3; c++) {
            int got = dst[5 + (y * to + x) * 3 + c] & 0xff;
            assertEquals(reference(src, from, to, x, y, c), got, 1.0, from + "->" + to);
          }
        }
      }
    }
  }

  @Test
  void aFlatFrameStaysFlat() {
    byte[] src = new byte[16 * 16 * 3];
    java.util.Arrays.fill(src, (byte) 200);
    byte[] dst = new byte[40 * 40 * 3];
    FrameScaler.scale(src, 0, 16, dst, 0, 40);
    byte[] want = new byte[dst.length];
    java.util.Arrays.fill(want, (byte) 200);
    assertArrayEquals(want, dst);
  }
}
