package org.mvgen.rave.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The decoder (generator): latents {@code [B, latentSize, L]} to PQMF bands {@code [B, M, L hop /
 * M]} in [-1, 1].
 *
 * <p>Layout: {@code in} (latent to the deepest width, kernel k); per ratio in reverse order, at
 * index {@code i}: LeakyReLU and {@code s<i>_up} (transposed, C to C/2, kernel 2r, stride r), then
 * residual dilated units {@code s<i>_r<j>} as in the {@link Encoder} (the dilation lists in reverse
 * order of the ratios); LeakyReLU and {@code out} (kernel {@code 2k + 1}) to M channels, or 2M with
 * amplitude modulation ({@code wave * sigmoid(amplitude)}); plus, when enabled, the {@link
 * NoiseBranch}; then tanh. No biases.
 */
final class Decoder extends Module {
  private final RaveConfig config;
  private final Conv in;
  private final List<Conv> ups = new ArrayList<>();
  private final List<List<Conv[]>> units = new ArrayList<>();
  private final Conv out;
  private final NoiseBranch noise;
  final java.util.Map<String, Conv> convs = new java.util.LinkedHashMap<>();

  Decoder(RaveConfig c, boolean weightNorm) {
    this.config = c;
    boolean causal = c.causal();
    int k = c.kernelSize();
    int ch = c.deepChannels();
    in = conv("in", c.latentSize(), ch, k, 1, causal, weightNorm);
    int n = c.ratios().size();
    for (int i = 0; i < n; i++) {
      int r = c.ratios().get(n - 1 - i);
      Conv up =
          new Conv(
              Conv.Kind.TRANSPOSED1D,
              ch,
              ch / 2,
              2 * r,
              r,
              1,
              causal ? 0 : r / 2,
              0,
              weightNorm,
              false);
      convs.put("s" + i + "_up", up);
      ups.add(register_module("s" + i + "_up", up));
      ch /= 2;
      List<Integer> dil = c.dilations().get(n - 1 - i);
      List<Conv[]> stage = new ArrayList<>();
      for (int j = 0; j < dil.size(); j++) {
        String p = "s" + i + "_r" + j + "_";
        stage.add(
            new Conv[] {
              conv(p + "c1", ch, ch, k, dil.get(j), causal, weightNorm),
              conv(p + "c2", ch, ch, 1, 1, causal, weightNorm)
            });
      }
      units.add(stage);
    }
    int outCh = c.amplitudeModulation() ? 2 * c.bands() : c.bands();
    out = conv("out", ch, outCh, 2 * k + 1, 1, causal, weightNorm);
    noise = c.noise() ? register_module("noise", new NoiseBranch(c, ch, weightNorm)) : null;
    if (noise != null) {
      convs.put("noise.amp", noise.amp);
    }
  }

  private Conv conv(
      String name,
      int cin,
      int cout,
      int kernel,
      int dilation,
      boolean causal,
      boolean weightNorm) {
    int[] pad = Conv.padding(kernel, 1, dilation, causal);
    Conv m =
        new Conv(
            Conv.Kind.CONV1D, cin, cout, kernel, 1, dilation, pad[0], pad[1], weightNorm, false);
    convs.put(name, m);
    return register_module(name, m);
  }

  /**
   * Decodes latents to bands. {@code noiseInput}: uniform noise in [-1, 1] of the shape {@link
   * NoiseBranch#noiseShape} when the noise branch is enabled (passed in so that a reference
   * implementation can reproduce the output), else null.
   */
  Tensor forward(Tensor z, Tensor noiseInput) {
    Tensor x = in.forward(z);
    for (int i = 0; i < ups.size(); i++) {
      x = ups.get(i).forward(Encoder.lrelu(x));
      for (Conv[] u : units.get(i)) {
        Tensor y = u[0].forward(Encoder.lrelu(x));
        y = u[1].forward(Encoder.lrelu(y));
        x = x.add(y);
      }
    }
    Tensor h = Encoder.lrelu(x);
    Tensor y = out.forward(h);
    if (config.amplitudeModulation()) {
      long m = config.bands();
      y = y.narrow(1, 0, m).mul(torch.sigmoid(y.narrow(1, m, m)));
    }
    if (noise != null) {
      y = y.add(noise.forward(h, noiseInput));
    }
    return torch.tanh(y);
  }

  NoiseBranch noise() {
    return noise;
  }
}
