package org.mvgen.rave.model;

import java.util.Locale;
import org.bytedeco.pytorch.global.torch;

/**
 * For bench/rave-encode.sh: a kernel-1 {@link Conv} as libtorch's conv1d (what mvgen runs) against
 * the same layer as a matrix product ({@code addmm}), to re-check whether the product would pay.
 */
public final class PointwiseProbe {
  private PointwiseProbe() {}

  /**
   * A 1x1 convolution (64 -> 64 channels, batch 1) as libtorch's conv1d and as a matrix product
   * (addmm), best of 5 each, in the same process: offline length (13 781 frames) and one hop of the
   * `live` encoder's first stage (32 frames, 100 calls).
   */
  public static void run(int threads) {
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      torch.manual_seed(3);
      Conv c = new Conv(Conv.Kind.CONV1D, 64, 64, 1, 1, 1, 0, 0, false, true);
      org.bytedeco.pytorch.Tensor w2 = c.weight().reshape(64, 64);
      for (int[] tr : new int[][] {{13_781, 1}, {32, 100}}) {
        org.bytedeco.pytorch.Tensor x = torch.randn(1, 64, tr[0]);
        org.bytedeco.pytorch.TensorOptional b = new org.bytedeco.pytorch.TensorOptional(c.bias());
        double conv = Double.MAX_VALUE;
        double mm = Double.MAX_VALUE;
        for (int rep = 0; rep < 6; rep++) {
          long t0 = System.nanoTime();
          for (int k = 0; k < tr[1]; k++) {
            torch.conv1d(x, c.weight(), b, new long[] {1}, new long[] {0}, new long[] {1}, 1);
          }
          long t1 = System.nanoTime();
          for (int k = 0; k < tr[1]; k++) {
            torch.addmm(c.bias().reshape(64, 1), w2, x.select(0, 0)).unsqueeze(0);
          }
          long t2 = System.nanoTime();
          if (rep > 0) { // the first is a warm-up
            conv = Math.min(conv, (t1 - t0) / 1e6 / tr[1]);
            mm = Math.min(mm, (t2 - t1) / 1e6 / tr[1]);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "pointwise_threads%d_T%d_ms conv1d=%.3f addmm=%.3f (conv1d / addmm %.1fx)%n",
            threads,
            tr[0],
            conv,
            mm,
            conv / mm);
      }
    }
  }
}
