package org.mvgen.decoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The decoder rearranged for fast inference: batch normalisation folded into the preceding
 * transposed convolution (in eval mode it is a per-channel affine map), weights optionally in
 * bfloat16 (which oneDNN runs on AMX / AVX-512 BF16 units where the CPU has them) and activations
 * in channels-last layout, which oneDNN's convolutions prefer. Outputs match {@link DecoderNet} in
 * eval mode to float rounding in float32, and to about 1/100 in bfloat16.
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
        case "auto" -> cpuHasBf16() ? BFLOAT16 : FLOAT32;
        default ->
            throw new IllegalArgumentException(
                "precision '" + s + "' must be float32, bfloat16 or auto");
      };
    }
  }

  private final DecoderSpec spec;
  private final Precision precision;
  private final boolean channelsLast;
  private final Tensor fcW;
  private final Tensor fcB;
  private final List<Tensor> w = new ArrayList<>();
  private final List<Tensor> b = new ArrayList<>();

  InferenceNet(DecoderNet net, Precision precision, boolean channelsLast) {
    this.spec = net.spec();
    this.precision = precision;
    this.channelsLast = channelsLast;
    torch.ScalarType t =
        precision == Precision.BFLOAT16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float;
    Map<String, Tensor> s = net.state();
    try (InferenceMode g = new InferenceMode()) {
      fcW = s.get("fc.weight").detach().to(t).contiguous();
      fcB = s.get("fc.bias").detach().to(t).contiguous();
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
        wi = wi.to(t);
        w.add(channelsLast ? wi.contiguous(torch.MemoryFormat.ChannelsLast) : wi.contiguous());
        b.add(bi.to(t).contiguous());
      }
    }
  }

  Precision precision() {
    return precision;
  }

  /** Normalised latents {@code [n, latentSize]} (float32) to bytes {@code [n, size, size, 3]}. */
  Tensor forwardBytes(Tensor z) {
    Tensor x = z;
    if (precision == Precision.BFLOAT16) {
      x = x.to(torch.ScalarType.BFloat16);
    }
    int s0 = spec.startSize();
    x = torch.linear(x, fcW, new TensorOptional(fcB)).view(-1, spec.width(), s0, s0);
    if (channelsLast) {
      x = x.contiguous(torch.MemoryFormat.ChannelsLast);
    }
    long[] two = {2, 2};
    long[] one = {1, 1};
    long[] zero = {0, 0};
    for (int i = 0; i < spec.depth(); i++) {
      x =
          torch.conv_transpose2d(
              x, w.get(i), new TensorOptional(b.get(i)), two, one, zero, 1, 1, 1);
      if (i < spec.depth() - 1) {
        x = torch.relu_(x);
      }
    }
    // tanh, then [-1, 1] -> [0, 255] in one pass over the frame: (tanh(x) + 1) * 127.5.
    return x.to(torch.ScalarType.Float)
        .tanh_()
        .add_(new Scalar(1.0))
        .mul_(new Scalar(127.5))
        .round_()
        .clamp_(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(255.0)))
        .permute(0, 2, 3, 1)
        .to(torch.ScalarType.Byte)
        .contiguous();
  }

  /** Whether {@code /proc/cpuinfo} lists AMX-BF16 or AVX512-BF16. */
  static boolean cpuHasBf16() {
    try {
      String info = Files.readString(Path.of("/proc/cpuinfo"));
      return info.contains(" amx_bf16") || info.contains(" avx512_bf16");
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void close() {
    fcW.close();
    fcB.close();
    w.forEach(Tensor::close);
    b.forEach(Tensor::close);
  }
}
