package org.mvgen.rave.model;

import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One convolution of the autoencoder or a discriminator: 1-D, 2-D along time (kernel {@code [k,
 * 1]}) or 1-D transposed, with explicit time padding (left/right, so that centred and causal layers
 * are the same code) and optional weight normalisation.
 *
 * <p>With weight normalisation the parameters are {@code weight_g} (one gain per slice of the first
 * weight dimension) and {@code weight_v}, and the weight is {@code g * v / ||v||}, the norm taken
 * over all dimensions but the first (PyTorch's {@code weight_norm(dim=0)}: output channels for
 * convolutions, input channels for the transposed one). Without it the parameter is {@code weight};
 * {@link #foldedWeight} gives the plain weight for export. {@code bias} is optional.
 *
 * <p>Transposed convolutions ({@code kernel = 2 stride}) crop {@code padLeft} samples on the left
 * and keep {@code stride} outputs per input: centred layers crop {@code stride / 2}, causal ones 0.
 */
final class Conv extends Module {
  enum Kind {
    CONV1D,
    CONV2D,
    TRANSPOSED1D
  }

  final Kind kind;
  final int in;
  final int out;
  final int kernel;
  final int stride;
  final int dilation;
  final int padLeft;
  final int padRight;
  final boolean weightNorm;
  private final Tensor g;
  private final Tensor v;
  private final Tensor w;
  private final Tensor b;

  Conv(
      Kind kind,
      int in,
      int out,
      int kernel,
      int stride,
      int dilation,
      int padLeft,
      int padRight,
      boolean weightNorm,
      boolean bias) {
    this.kind = kind;
    this.in = in;
    this.out = out;
    this.kernel = kernel;
    this.stride = stride;
    this.dilation = dilation;
    this.padLeft = padLeft;
    this.padRight = padRight;
    this.weightNorm = weightNorm;
    long[] shape =
        switch (kind) {
          case CONV1D -> new long[] {out, in, kernel};
          case CONV2D -> new long[] {out, in, kernel, 1};
          case TRANSPOSED1D -> new long[] {in, out, kernel};
        };
    // Uniform in +-1/sqrt(fan in), libtorch's default bound for convolutions; seed with
    // torch.manual_seed for reproducible weights.
    double bound = 1 / Math.sqrt((double) in * kernel);
    Tensor init = torch.rand(shape).mul_(new Scalar(2 * bound)).sub_(new Scalar(bound));
    if (weightNorm) {
      long[] gShape = new long[shape.length];
      java.util.Arrays.fill(gShape, 1);
      gShape[0] = shape[0];
      Tensor norm = norm(init).reshape(gShape);
      g = own(register_parameter("weight_g", norm));
      v = own(register_parameter("weight_v", init));
      w = null;
    } else {
      g = null;
      v = null;
      w = own(register_parameter("weight", init));
    }
    if (bias) {
      Tensor bi = torch.rand(out).mul_(new Scalar(2 * bound)).sub_(new Scalar(bound));
      b = own(register_parameter("bias", bi));
    } else {
      b = null;
    }
  }

  /** A handle of our own to a tensor libtorch returned by reference. */
  private static Tensor own(Tensor t) {
    return new Tensor(t);
  }

  /** L2 norm of {@code t} over all dimensions but the first, shape {@code [d0]}. */
  private static Tensor norm(Tensor t) {
    return t.reshape(t.size(0), -1).pow(new Scalar(2)).sum(new long[] {1}).sqrt();
  }

  /** The weight the convolution uses ({@code g v / ||v||} under weight normalisation). */
  Tensor weight() {
    if (!weightNorm) {
      return w;
    }
    long[] shape = new long[(int) v.dim()];
    java.util.Arrays.fill(shape, 1);
    shape[0] = v.size(0);
    return v.mul(g.div(norm(v).reshape(shape)));
  }

  /** The weight as a plain tensor, detached (for a net without weight normalisation). */
  Tensor foldedWeight() {
    try (org.bytedeco.pytorch.NoGradGuard ng = new org.bytedeco.pytorch.NoGradGuard()) {
      return weight().detach().clone();
    }
  }

  Tensor bias() {
    return b;
  }

  private TensorOptional biasOpt() {
    return b == null ? new TensorOptional() : new TensorOptional(b);
  }

  /** Applies the layer to {@code x}: {@code [B, in, T]} (or {@code [B, in, T, P]} for 2-D). */
  Tensor forward(Tensor x) {
    return switch (kind) {
      case CONV1D -> {
        Tensor p = padLeft + padRight == 0 ? x : torch.constant_pad_nd(x, padLeft, padRight);
        yield torch.conv1d(
            p, weight(), biasOpt(), new long[] {stride}, new long[] {0}, new long[] {dilation}, 1);
      }
      case CONV2D -> {
        Tensor p = padLeft + padRight == 0 ? x : torch.constant_pad_nd(x, 0, 0, padLeft, padRight);
        yield torch.conv2d(
            p,
            weight(),
            biasOpt(),
            new long[] {stride, 1},
            new long[] {0, 0},
            new long[] {dilation, 1},
            1);
      }
      case TRANSPOSED1D -> {
        long len = x.size(2);
        Tensor y =
            torch.conv_transpose1d(
                x, weight(), biasOpt(), new long[] {stride}, new long[] {0}, new long[] {0}, 1, 1);
        yield y.narrow(2, padLeft, len * stride);
      }
    };
  }

  /**
   * Applies a causal 1-D layer to the next chunk of a stream: the last {@code padLeft} input
   * samples of the previous chunk (zeros at the start) stand in for the left padding, so that the
   * outputs equal those of {@link #forward} on the whole stream. Chunks must hold a multiple of
   * {@code stride} samples.
   */
  Tensor stream(Tensor x, Map<Object, Tensor> caches) {
    if (kind != Kind.CONV1D || padRight != 0) {
      throw new IllegalStateException("only causal 1-D convolutions stream");
    }
    if (padLeft == 0) {
      return forward(x);
    }
    Tensor cache = caches.get(this);
    if (cache == null) {
      cache = torch.zeros(x.size(0), in, padLeft);
    }
    Tensor joined = torch.cat(new TensorVector(cache, x), 2);
    caches.put(this, joined.narrow(2, joined.size(2) - padLeft, padLeft).clone());
    return torch.conv1d(
        joined, weight(), biasOpt(), new long[] {stride}, new long[] {0}, new long[] {dilation}, 1);
  }

  /** Left/right padding of a stride-1 or strided layer: centred, or all left when causal. */
  static int[] padding(int kernel, int stride, int dilation, boolean causal) {
    int total = stride == 1 ? (kernel - 1) * dilation : kernel - stride;
    return causal ? new int[] {total, 0} : new int[] {total / 2, total - total / 2};
  }
}
