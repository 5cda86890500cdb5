package org.mvgen.rave.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The convolutional encoder: PQMF bands {@code [B, M, T / M]} to {@code [B, 2 latentSize, T /
 * hop]}, the posterior means in the first half of the channels and the raw scales in the second.
 *
 * <p>Layout (names are the state's keys): {@code in} (M to C, kernel {@code 2k + 1}); per ratio
 * {@code r} at index {@code i}: residual dilated units {@code s<i>_r<j>} (LeakyReLU, conv {@code
 * c1} kernel {@code k} dilation {@code d}, LeakyReLU, conv {@code c2} kernel 1, added to the input)
 * then LeakyReLU and {@code s<i>_down} (C to 2C, kernel 2r, stride r); finally LeakyReLU and {@code
 * out} (kernel k). No biases. All slopes 0.2.
 */
final class Encoder extends Module {
  static final double SLOPE = 0.2;

  private final Conv in;
  private final List<List<Conv[]>> units = new ArrayList<>();
  private final List<Conv> downs = new ArrayList<>();
  private final Conv out;
  final Map<String, Conv> convs = new java.util.LinkedHashMap<>();

  Encoder(RaveConfig c, boolean weightNorm) {
    boolean causal = c.causal();
    int k = c.kernelSize();
    in = conv("in", c.bands(), c.capacity(), 2 * k + 1, 1, 1, causal, weightNorm);
    int ch = c.capacity();
    for (int i = 0; i < c.ratios().size(); i++) {
      int r = c.ratios().get(i);
      List<Conv[]> stage = new ArrayList<>();
      List<Integer> dil = c.dilations().get(i);
      for (int j = 0; j < dil.size(); j++) {
        String p = "s" + i + "_r" + j + "_";
        stage.add(
            new Conv[] {
              conv(p + "c1", ch, ch, k, 1, dil.get(j), causal, weightNorm),
              conv(p + "c2", ch, ch, 1, 1, 1, causal, weightNorm)
            });
      }
      units.add(stage);
      downs.add(conv("s" + i + "_down", ch, 2 * ch, 2 * r, r, 1, causal, weightNorm));
      ch *= 2;
    }
    out = conv("out", ch, 2 * c.latentSize(), k, 1, 1, causal, weightNorm);
  }

  private Conv conv(
      String name,
      int cin,
      int cout,
      int kernel,
      int stride,
      int dilation,
      boolean causal,
      boolean weightNorm) {
    int[] pad = Conv.padding(kernel, stride, dilation, causal);
    Conv m =
        new Conv(
            Conv.Kind.CONV1D,
            cin,
            cout,
            kernel,
            stride,
            dilation,
            pad[0],
            pad[1],
            weightNorm,
            false);
    convs.put(name, m);
    return register_module(name, m);
  }

  static Tensor lrelu(Tensor x) {
    return torch.leaky_relu(x, new Scalar(SLOPE));
  }

  /** Encodes bands; with {@code caches} non-null, as the next chunk of a causal stream. */
  Tensor forward(Tensor x, Map<Object, Tensor> caches) {
    x = apply(in, x, caches);
    for (int i = 0; i < downs.size(); i++) {
      for (Conv[] u : units.get(i)) {
        Tensor y = apply(u[0], lrelu(x), caches);
        y = apply(u[1], lrelu(y), caches);
        x = x.add(y);
      }
      x = apply(downs.get(i), lrelu(x), caches);
    }
    return apply(out, lrelu(x), caches);
  }

  private static Tensor apply(Conv c, Tensor x, Map<Object, Tensor> caches) {
    return caches == null ? c.forward(x) : c.stream(x, caches);
  }
}
