package org.mvgen.decoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.torch.OneDnn;

/**
 * The decoder rearranged for fast inference: batch normalisation folded into the preceding
 * transposed convolution (in eval mode it is a per-channel affine map), weights optionally in
 * bfloat16 (which oneDNN runs on AMX / AVX-512 BF16 units where the CPU has them), activations in
 * channels-last layout, which oneDNN's convolutions prefer, hidden layers as pre-packed oneDNN
 * convolutions with the ReLU fused ({@link OneDnn}), and the RGB layer as a sub-pixel convolution.
 * Outputs match {@link DecoderNet} in eval mode to float rounding in float32, and to about 1/100 in
 * bfloat16.
 */
final class InferenceNet implements AutoCloseable {
  /** Arithmetic of the inference network. */
  enum Precision {
    FLOAT32,
    BFLOAT16;

    /** Parses {@code float32}, {@code bfloat16} or {@code auto} (bf16 where the CPU has it). */
    static Precision parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "float32", "fp32" -> FLOAT32;
        case "bfloat16", "bf16" -> BFLOAT16;
        case "auto" -> org.mvgen.torch.CpuFeatures.inferInBf16() ? BFLOAT16 : FLOAT32;
        default ->
            throw new IllegalArgumentException(
                "precision '" + s + "' must be float32, bfloat16 or auto");
      };
    }
  }

  private final DecoderSpec spec;
  private final Precision precision;
  private final boolean channelsLast;

  /**
   * The linear layer and, when there are two transposed convolutions or more, the first of them,
   * composed into one matrix {@code [outputs, latentSize]} (both are linear before the ReLU), whose
   * outputs are laid out channels-last when {@link #channelsLast}. One matrix-vector product then
   * replaces two operations and reads fewer weights.
   */
  private final Tensor fcW;

  private final Tensor fcB;

  /** Whether {@link #fcW} includes the first transposed convolution (and its ReLU follows). */
  private final boolean fused;

  /** Hidden layers (all but the last) as plain ATen weights, when oneDNN is not available. */
  private final List<Tensor> w = new ArrayList<>();

  private final List<Tensor> b = new ArrayList<>();

  /** Hidden layers as pre-packed oneDNN convolutions with fused ReLU, when available. */
  private final List<OneDnn.ConvTranspose> packed = new ArrayList<>();

  /** The last layer as a sub-pixel convolution: {@code [4 * 3, in, 3, 3]} and {@code [12]}. */
  private final Tensor lastW;

  private final Tensor lastB;

  InferenceNet(DecoderNet net, Precision precision, boolean channelsLast) {
    this.spec = net.spec();
    this.precision = precision;
    this.channelsLast = channelsLast;
    torch.ScalarType t =
        precision == Precision.BFLOAT16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float;
    Map<String, Tensor> s = net.state();
    boolean onednn = channelsLast && OneDnn.available();
    fused = spec.depth() >= 2;
    try (InferenceMode g = new InferenceMode()) {
      Tensor fw = s.get("fc.weight").detach();
      Tensor fb = s.get("fc.bias").detach();
      Tensor lw = null;
      Tensor lb = null;
      for (int i = 0; i < spec.depth(); i++) {
        Tensor wi = s.get("up" + i + ".weight").detach().clone();
        Tensor bi = s.get("up" + i + ".bias").detach().clone();
        if (s.containsKey("bn" + i + ".weight")) {
          // y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta: scale output channel o of the
          // weight [in, out, kh, kw] and bias by gamma / sqrt(var + eps).
          Tensor scale =
              s.get("bn" + i + ".weight")
                  .div(s.get("bn" + i + ".running_var").add(new Scalar(1e-5)).sqrt());
          wi = wi.mul(scale.view(1, -1, 1, 1));
          bi = bi.sub(s.get("bn" + i + ".running_mean")).mul(scale).add(s.get("bn" + i + ".bias"));
        }
        if (i == 0 && fused) {
          // The linear layer's outputs as images, through the convolution: column j of the
          // composed matrix is the convolution of fc's column j; the bias goes through with
          // the convolution's own bias.
          int s0 = spec.startSize();
          long[] two = {2, 2};
          long[] one = {1, 1};
          long[] zero = {0, 0};
          Tensor cols =
              torch.conv_transpose2d(
                  fw.t().reshape(-1, spec.width(), s0, s0),
                  wi,
                  new TensorOptional(),
                  two,
                  one,
                  zero,
                  1,
                  one);
          Tensor bias =
              torch.conv_transpose2d(
                  fb.reshape(1, spec.width(), s0, s0),
                  wi,
                  new TensorOptional(bi),
                  two,
                  one,
                  zero,
                  1,
                  one);
          if (channelsLast) {
            cols = cols.permute(0, 2, 3, 1);
            bias = bias.permute(0, 2, 3, 1);
          }
          fw = cols.reshape(cols.size(0), -1).t();
          fb = bias.reshape(-1);
        } else if (i == spec.depth() - 1) {
          lw = subPixel(wi).to(t);
          lw = channelsLast ? lw.contiguous(torch.MemoryFormat.ChannelsLast) : lw.contiguous();
          lb = bi.repeat_interleave(4).to(t).contiguous();
        } else if (onednn) {
          int side = spec.startSize() << i;
          packed.add(
              new OneDnn.ConvTranspose(
                  wi.to(t), bi.to(t), 2, 1, new long[] {1, spec.channels(i), side, side}, true));
        } else {
          wi = wi.to(t);
          w.add(channelsLast ? wi.contiguous(torch.MemoryFormat.ChannelsLast) : wi.contiguous());
          b.add(bi.to(t).contiguous());
        }
      }
      fcW = fw.to(t).contiguous();
      fcB = fb.to(t).contiguous();
      lastW = lw;
      lastB = lb;
    }
  }

  /**
   * The transposed convolution (kernel 4, stride 2, padding 1) {@code [in, out, 4, 4]} as a 3×3
   * convolution (padding 1) with {@code 4 * out} channels followed by a 2× pixel shuffle: output
   * pixel {@code (2m + a, 2n + c)} of channel {@code o} is channel {@code 4o + 2a + c} at {@code
   * (m, n)}, and only input rows {@code m - 1, m} (a = 0) or {@code m, m + 1} (a = 1) reach it,
   * through kernel rows 3, 1 and 2, 0. Exact; oneDNN runs it 2× faster than the transposed
   * convolution when the output has only 3 channels, since its 12 output channels vectorise.
   */
  static Tensor subPixel(Tensor wt) {
    long in = wt.size(0);
    long out = wt.size(1);
    // TAP[a][d] = kernel index used by phase a at input offset d - 1; -1: none.
    int[][] tap = {{3, 1, -1}, {-1, 2, 0}};
    Tensor k = torch.zeros(out * 4, in, 3, 3);
    for (int o = 0; o < out; o++) {
      for (int a = 0; a < 2; a++) {
        for (int c = 0; c < 2; c++) {
          for (int dy = 0; dy < 3; dy++) {
            for (int dx = 0; dx < 3; dx++) {
              if (tap[a][dy] < 0 || tap[c][dx] < 0) {
                continue;
              }
              k.select(0, 4L * o + 2L * a + c)
                  .select(1, dy)
                  .select(1, dx)
                  .copy_(wt.select(1, o).select(1, tap[a][dy]).select(1, tap[c][dx]));
            }
          }
        }
      }
    }
    return k;
  }

  Precision precision() {
    return precision;
  }

  /**
   * Normalised latents {@code [n, latentSize]} (float32) to RGB bytes {@code [n, size, size, 3]} in
   * {@code rgb[off ...]}.
   */
  void forward(Tensor z, byte[] rgb, int off) {
    Tensor x = z;
    if (precision == Precision.BFLOAT16) {
      x = x.to(torch.ScalarType.BFloat16);
    }
    int s0 = spec.startSize();
    x = torch.linear(x, fcW, new TensorOptional(fcB));
    if (!fused) {
      x = x.view(-1, spec.width(), s0, s0);
      if (channelsLast) {
        x = x.contiguous(torch.MemoryFormat.ChannelsLast);
      }
    } else {
      long c = spec.channels(1);
      long side = 2L * s0;
      x = torch.relu_(x);
      // Columns are in channels-last order: a view, no copy.
      x = channelsLast ? x.view(-1, side, side, c).permute(0, 3, 1, 2) : x.view(-1, c, side, side);
    }
    long[] two = {2, 2};
    long[] one = {1, 1};
    long[] zero = {0, 0};
    for (OneDnn.ConvTranspose layer : packed) {
      x = layer.apply(x);
    }
    for (int i = 0; i < w.size(); i++) {
      x =
          torch.relu_(
              torch.conv_transpose2d(
                  x, w.get(i), new TensorOptional(b.get(i)), two, one, zero, 1, 1, 1));
    }
    x = torch.conv2d(x, lastW, new TensorOptional(lastB), one, one, one, 1);
    if (precision == Precision.FLOAT32) {
      x = x.to(torch.ScalarType.Half); // the table below covers every half value
    }
    // [n, 12, h, w] -> [n, h, w, 12] in memory (no copy when channels-last already).
    x = x.permute(0, 2, 3, 1).contiguous();
    int n = (int) x.size(0);
    int h = (int) x.size(1);
    int count = n * h * h * 12;
    if (half.length < count) {
      half = new short[count];
    }
    try (ShortPointer p = new ShortPointer(x.data_ptr())) {
      p.get(half, 0, count);
    }
    rgbFromSubPixels(
        half, n, h, precision == Precision.BFLOAT16 ? BF16_TO_BYTE : F16_TO_BYTE, rgb, off);
  }

  /** Reused copy of the last layer's 16-bit output. */
  private short[] half = new short[0];

  /**
   * The last layer's output, {@code [n, h, w, 4 * 3]} 16-bit floats with channel {@code 4o + 2a +
   * c} holding colour {@code o} of pixel {@code (2m + a, 2n + c)}, to RGB bytes through {@code
   * table}: the pixel shuffle and {@code round((tanh(x) + 1) * 127.5)} in one pass. A 16-bit float
   * has 65 536 values, so a table holds the exact answer for each; computing tanh, scaling and
   * rounding with tensor operations and then shuffling bytes took longer than the whole network.
   */
  static void rgbFromSubPixels(short[] v, int n, int h, byte[] table, byte[] rgb, int off) {
    int side = 2 * h;
    int o = off;
    for (int img = 0; img < n; img++) {
      for (int y = 0; y < side; y++) {
        int row = (img * h + (y >> 1)) * h * 12 + (y & 1) * 2;
        for (int x = 0; x < side; x++) {
          int i = row + (x >> 1) * 12 + (x & 1);
          rgb[o] = table[v[i] & 0xffff];
          rgb[o + 1] = table[v[i + 4] & 0xffff];
          rgb[o + 2] = table[v[i + 8] & 0xffff];
          o += 3;
        }
      }
    }
  }

  /** {@code round((tanh(x) + 1) * 127.5)} for every bfloat16 bit pattern (NaN: 0). */
  static final byte[] BF16_TO_BYTE = table(bits -> Float.intBitsToFloat(bits << 16));

  /** The same for every IEEE half-precision bit pattern. */
  static final byte[] F16_TO_BYTE = table(InferenceNet::halfToFloat);

  private static byte[] table(java.util.function.IntToDoubleFunction value) {
    byte[] t = new byte[1 << 16];
    for (int bits = 0; bits < t.length; bits++) {
      double v = value.applyAsDouble(bits);
      t[bits] = Double.isNaN(v) ? 0 : (byte) Math.round((Math.tanh(v) + 1) * 127.5);
    }
    return t;
  }

  /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
  static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, NaN
    }
    if (exp == 0) {
      float f = mant / 1024f / 16384f; // subnormal: mant * 2^-24
      return sign == 0 ? f : -f;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  @Override
  public void close() {
    fcW.close();
    fcB.close();
    w.forEach(Tensor::close);
    b.forEach(Tensor::close);
    packed.forEach(OneDnn.ConvTranspose::close);
    lastW.close();
    lastB.close();
  }
}
