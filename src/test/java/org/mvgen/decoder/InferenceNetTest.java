package org.mvgen.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvgen.torch.OneDnn;
import org.mvgen.torch.Torch;

/** The pieces of the fast inference network, each against libtorch's plain operators. */
class InferenceNetTest {
  @BeforeAll
  static void load() throws Exception {
    Torch.load();
    torch.manual_seed(3);
  }

  static float maxDiff(Tensor a, Tensor b) {
    return a.to(torch.ScalarType.Float).sub(b.to(torch.ScalarType.Float)).abs().max().item_float();
  }

  @Test
  void theSubPixelConvolutionIsTheTransposedConvolution() {
    Tensor w = torch.randn(5, 3, 4, 4);
    Tensor b = torch.randn(3);
    Tensor x = torch.randn(2, 5, 7, 7);
    long[] two = {2, 2};
    long[] one = {1, 1};
    Tensor want =
        torch.conv_transpose2d(x, w, new TensorOptional(b), two, one, new long[] {0, 0}, 1, 1, 1);
    Tensor k = InferenceNet.subPixel(w);
    Tensor got =
        torch.pixel_shuffle(
            torch.conv2d(x, k, new TensorOptional(b.repeat_interleave(4)), one, one, one, 1), 2);
    assertArrayEquals(want.sizes().vec().get(), got.sizes().vec().get());
    assertTrue(maxDiff(want, got) < 1e-4, "max difference " + maxDiff(want, got));
  }

  @Test
  void thePackedOneDnnConvolutionWithReluMatchesAten() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        OneDnn.available(), "this libtorch has no oneDNN operators");
    for (torch.ScalarType t :
        new torch.ScalarType[] {torch.ScalarType.Float, torch.ScalarType.BFloat16}) {
      Tensor w = torch.randn(16, 8, 4, 4).to(t);
      Tensor b = torch.randn(8).to(t);
      // Packed for one frame; used for one and for three (another batch size still works).
      try (OneDnn.ConvTranspose c =
          new OneDnn.ConvTranspose(w, b, 2, 1, new long[] {1, 16, 6, 6}, true)) {
        collectGarbage(); // what it keeps must not be freed with the temporaries it made
        for (int n : new int[] {1, 3}) {
          Tensor x = torch.randn(n, 16, 6, 6).to(t).contiguous(torch.MemoryFormat.ChannelsLast);
          Tensor want =
              torch.relu(
                  torch.conv_transpose2d(
                      x,
                      w,
                      new TensorOptional(b),
                      new long[] {2, 2},
                      new long[] {1, 1},
                      new long[] {0, 0},
                      1,
                      1,
                      1));
          float tol = t == torch.ScalarType.Float ? 1e-4f : 0.1f;
          assertTrue(maxDiff(want, c.apply(x)) <= tol, t + " batch " + n);
        }
      }
    }
  }

  /** Collects garbage and runs JavaCPP's deallocators for what was collected, now. */
  static void collectGarbage() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      org.bytedeco.javacpp.Pointer.deallocateReferences();
    }
  }

  @Test
  void halfPrecisionBitsDecodeAsLibtorchDecodesThem() {
    short[] bits = new short[1 << 16];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = (short) i;
    }
    float[] want = new float[bits.length];
    try (Tensor h = Torch.tensor(new float[bits.length], bits.length).to(torch.ScalarType.Half)) {
      try (var p = new org.bytedeco.javacpp.ShortPointer(h.data_ptr())) {
        p.put(bits, 0, bits.length);
      }
      Torch.copy(h.to(torch.ScalarType.Float), want, 0);
    }
    for (int i = 0; i < bits.length; i++) {
      float got = InferenceNet.halfToFloat(i);
      if (Float.isNaN(want[i])) {
        assertTrue(Float.isNaN(got), "bits " + Integer.toHexString(i));
      } else {
        assertEquals(want[i], got, 0f, "bits " + Integer.toHexString(i));
      }
    }
  }

  @Test
  void theTablesGiveTheRoundedTanhOfEveryValue() {
    assertEquals(128, InferenceNet.BF16_TO_BYTE[0] & 0xff); // tanh(0) = 0 -> 127.5 -> 128
    assertEquals(255, InferenceNet.BF16_TO_BYTE[Float.floatToIntBits(20f) >>> 16] & 0xff);
    assertEquals(0, InferenceNet.BF16_TO_BYTE[Float.floatToIntBits(-20f) >>> 16] & 0xff);
    assertEquals(
        Math.round((Math.tanh(0.5) + 1) * 127.5),
        InferenceNet.F16_TO_BYTE[0x3800] & 0xff); // 0x3800 = 0.5 in half precision
  }

  @Test
  void subPixelsBecomeRgbInPixelShuffleOrder() {
    // Two frames of 3 x 3 sub-pixel maps: value = a code of (frame, m, n, channel).
    int n = 2;
    int h = 3;
    Tensor v =
        torch
            .arange(new org.bytedeco.pytorch.Scalar(n * 12 * h * h))
            .to(torch.ScalarType.Float)
            .view(n, 12, h, h);
    Tensor shuffled = torch.pixel_shuffle(v, 2).permute(0, 2, 3, 1).contiguous(); // [n, 2h, 2h, 3]
    // An identity-like table: the 16-bit pattern of small integers in half precision, mapped back.
    byte[] table = new byte[1 << 16];
    for (int i = 0; i < 256; i++) {
      table[Short.toUnsignedInt(halfBits(i))] = (byte) i;
    }
    short[] in = new short[n * h * h * 12];
    float[] nhwc = new float[in.length];
    Torch.copy(v.permute(0, 2, 3, 1).contiguous(), nhwc, 0);
    for (int i = 0; i < in.length; i++) {
      in[i] = halfBits((int) nhwc[i]);
    }
    byte[] rgb = new byte[n * 2 * h * 2 * h * 3 + 5];
    InferenceNet.rgbFromSubPixels(in, n, h, table, rgb, 5);
    float[] want = new float[n * 2 * h * 2 * h * 3];
    Torch.copy(shuffled, want, 0);
    for (int i = 0; i < want.length; i++) {
      assertEquals((int) want[i], rgb[5 + i] & 0xff, "byte " + i);
    }
  }

  /** Half-precision bits of a small non-negative integer (exact below 2048). */
  static short halfBits(int v) {
    if (v == 0) {
      return 0;
    }
    int e = 31 - Integer.numberOfLeadingZeros(v);
    int mant = (v << (10 - e)) & 0x3ff;
    return (short) (((e + 15) << 10) | mant);
  }
}
