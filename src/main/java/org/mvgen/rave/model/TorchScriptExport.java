package org.mvgen.rave.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.StringType;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.mvgen.MvgenException;
import org.mvgen.encoder.Pca;
import org.mvgen.torch.Torch;
import org.mvgen.util.AtomicFiles;

/**
 * Writes an mvgen-trained {@link RaveAutoencoder} as a TorchScript module with the interface of
 * RAVE's own (v2) exports, so that the tools RAVE users have (nn~, Python's {@code torch.jit.load})
 * and mvgen's own RAVE loader ({@code --encoder rave:model.ts}) run it:
 *
 * <ul>
 *   <li>{@code encode(x)}: {@code [B, 1, T]} ({@code T} a multiple of the hop) to {@code [B,
 *       latent_size, T / hop]}, <em>stochastic</em> as RAVE's: a posterior sample {@code randn *
 *       (softplus(scale) + 1e-4) + mean}, minus {@code latent_mean}, projected by {@code
 *       latent_pca};
 *   <li>{@code decode(z)}: {@code [B, d, T']} to {@code [B, 1, T' hop]}; missing latent dimensions
 *       ({@code d < full_latent_size}) are filled with standard normal noise as RAVE does, then the
 *       inverse PCA, the decoder and the PQMF synthesis;
 *   <li>{@code forward(x) = decode(encode(x))}; {@code get_methods()} and {@code get_attributes()}
 *       (nn~'s helpers; no settable attributes);
 *   <li>int attributes {@code sr}, {@code latent_size}, {@code full_latent_size}, {@code
 *       n_channels}, {@code target_channels}; string {@code input_mode = "pqmf"}; buffers {@code
 *       encode_params}, {@code decode_params}, {@code forward_params}, {@code latent_pca}, {@code
 *       latent_mean}, {@code fidelity};
 *   <li>submodules {@code pqmf} ({@code forward}: analysis, {@code inverse}: synthesis), {@code
 *       encoder} ({@code forward}: bands to means then raw scales, {@code [B, 2 F, T / hop]}) and
 *       {@code decoder} ({@code forward}: latents to PQMF bands).
 * </ul>
 *
 * <p>The posterior mean that mvgen's loader computes from the submodules (PQMF, encoder, first
 * half, minus {@code latent_mean}, times {@code latent_pca}) equals {@link
 * RaveAutoencoder#encodeMean} when no PCA is given (identity PCA, zero mean, {@code fidelity[i] =
 * (i + 1) / F}: every dimension counted alike); with a PCA it is that PCA's projection of it.
 *
 * <p>The module is compiled by libtorch from TorchScript source generated here (written for torch
 * 1.13 and newer to compile), with the folded weights (no weight normalisation) as parameters, so
 * no Python is involved. By default not streaming: the convolutions pad each call's input with
 * zeros, so calls should hold whole sounds (or overlap), not the small buffers of nn~'s real-time
 * mode. A streaming export ({@link #write(RaveAutoencoder, Pca, boolean, Path)}, causal configs
 * such as {@code live}) replaces the padding by caches of the previous call's input (buffers {@code
 * <layer>_cache}, {@code <layer>_tail}, {@code analysis_cache}, {@code synthesis_cache}, reset when
 * the batch size changes): consecutive calls continue one signal, on the grid of {@link
 * RaveAutoencoder#encodeMean} with no added delay.
 */
public final class TorchScriptExport {
  private TorchScriptExport() {}

  /** Writes {@code model} to {@code out} (atomically) with an identity latent PCA. */
  public static void write(RaveAutoencoder model, Path out) throws IOException, MvgenException {
    write(model, null, false, out);
  }

  /**
   * Writes {@code model} to {@code out} (atomically) with the latent PCA {@code pca} (RAVE's {@code
   * latent_mean}, {@code latent_pca} and, cumulated, {@code fidelity}), or the identity when null;
   * with {@code streaming} (causal configs only, such as {@code live}) as RAVE's {@code
   * --streaming} exports: stateful cached convolutions, so that consecutive calls of {@code encode}
   * and {@code decode} continue one signal (inputs a multiple of the hop, resp. any number of
   * latents) and give exactly what one call on the whole signal gives.
   */
  public static void write(RaveAutoencoder model, Pca pca, boolean streaming, Path out)
      throws IOException, MvgenException {
    Torch.load();
    RaveConfig c = model.config();
    int f = c.latentSize();
    if (streaming && !c.causal()) {
      throw new MvgenException(
          "RAVE config '"
              + c.name()
              + "' is not causal: a streaming export needs causal convolutions (train with the"
              + " 'live' config or causal=true), or export without streaming.");
    }
    if (pca != null && (pca.inputs() != f || pca.dim() != f)) {
      throw new MvgenException(
          "The latent PCA has "
              + pca.dim()
              + " components of "
              + pca.inputs()
              + " values, the model has "
              + f
              + " latent dimensions: a RAVE export needs a full "
              + f
              + "x"
              + f
              + " PCA (refit it with all components, or export without it).");
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = AtomicFiles.temporary(out);
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      JitModule m = build(model.net(), pca, streaming);
      m.save(tmp.toString());
    } catch (RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw new MvgenException(
          "Could not write the TorchScript export "
              + out
              + ": "
              + String.valueOf(e.getMessage()).strip().split("\n", 2)[0]
              + ". This is a bug in mvgen's exporter; please report it with the model's config.",
          e);
    }
    AtomicFiles.commit(tmp, out);
  }

  private static Type.TypePtr intType() {
    return new Type.TypePtr(IntType.getIntTypePtr().get());
  }

  /** The top-level module (in the caller's pointer scope). */
  static JitModule build(RaveNet net, Pca pca, boolean streaming) {
    RaveConfig c = net.config();
    int f = c.latentSize();
    int hop = c.hop();
    Map<String, Tensor> state = RaveNet.state(net);

    JitModule pqmf = new JitModule(new QualifiedName("__torch__.mvgen_rave.PQMF"));
    pqmf.register_buffer("analysis", plain(state.get("pqmf.analysis")));
    pqmf.register_buffer("synthesis", plain(state.get("pqmf.synthesis")));
    pqmf.define(pqmfSource(net.pqmf(), pqmf, streaming));

    JitModule enc = new JitModule(new QualifiedName("__torch__.mvgen_rave.Encoder"));
    JitModule dec = new JitModule(new QualifiedName("__torch__.mvgen_rave.Decoder"));
    for (Map.Entry<String, Conv> e : net.convs().entrySet()) {
      String key = e.getKey();
      JitModule owner = key.startsWith("encoder.") ? enc : dec;
      String name = paramName(key.substring(key.indexOf('.') + 1));
      owner.register_parameter(name + "_weight", plain(e.getValue().foldedWeight()), false);
      if (e.getValue().bias() != null) {
        owner.register_parameter(name + "_bias", plain(e.getValue().bias()), false);
      }
    }
    enc.define(encoderSource(c, net.convs(), enc, streaming));
    dec.define(decoderSource(c, net.convs(), dec, streaming));

    JitModule m = new JitModule(new QualifiedName("__torch__.mvgen_rave.ScriptedRAVE"));
    m.register_module("pqmf", pqmf);
    m.register_module("encoder", enc);
    m.register_module("decoder", dec);
    m.register_attribute("sr", intType(), new IValue((long) c.sampleRate()));
    m.register_attribute("full_latent_size", intType(), new IValue((long) f));
    m.register_attribute("latent_size", intType(), new IValue((long) f));
    m.register_attribute("n_channels", intType(), new IValue(1L));
    m.register_attribute("target_channels", intType(), new IValue(1L));
    m.register_attribute(
        "input_mode", new Type.TypePtr(StringType.get().get()), new IValue("pqmf"));
    if (streaming) {
      // mvgen's own hint (RAVE's files have no such attribute): the exact delay of the stream
      // against encodeMean's grid. Zero, the model being causal; a loader cannot compute it from
      // the caches, which are not RAVE's cache / downsampling_delay submodules.
      m.register_attribute("streaming_delay", intType(), new IValue(0L));
    }
    m.register_buffer("encode_params", Torch.longs(1, 1, f, hop));
    m.register_buffer("decode_params", Torch.longs(f, hop, 1, 1));
    m.register_buffer("forward_params", Torch.longs(1, 1, 1, 1));
    float[] mean = new float[f];
    float[] matrix = new float[f * f];
    float[] fidelity = new float[f];
    if (pca == null) {
      for (int i = 0; i < f; i++) {
        matrix[i * f + i] = 1;
        fidelity[i] = (float) (i + 1) / f;
      }
    } else {
      System.arraycopy(pca.mean(), 0, mean, 0, f);
      for (int i = 0; i < f; i++) {
        System.arraycopy(pca.components()[i], 0, matrix, i * f, f);
      }
      double[] fid = RaveTask.fidelity(pca);
      for (int i = 0; i < f; i++) {
        fidelity[i] = (float) fid[i];
      }
    }
    m.register_buffer("latent_pca", Torch.tensor(matrix, f, f));
    m.register_buffer("latent_mean", Torch.tensor(mean, f));
    m.register_buffer("fidelity", Torch.tensor(fidelity, f));
    m.define(topSource());
    m.eval();
    return m;
  }

  /** A detached, contiguous float copy (a plain tensor, no autograd history). */
  private static Tensor plain(Tensor t) {
    return t.detach().clone().contiguous();
  }

  private static String paramName(String key) {
    return key.replace('.', '_');
  }

  /** The top-level methods: RAVE's export interface. */
  static String topSource() {
    return String.join(
        "\n",
        "def encode(self, x: Tensor) -> Tensor:",
        "    b = x.size(0)",
        "    h = self.pqmf.forward(x.reshape(-1, 1, x.size(2)))",
        "    h = h.reshape(b, -1, h.size(2))",
        "    z = self.encoder.forward(h)",
        "    mean = z[:, :self.full_latent_size]",
        "    scale = z[:, self.full_latent_size:]",
        "    std = torch.softplus(scale, 1.0, 20.0) + 0.0001",
        "    z = torch.randn_like(mean) * std + mean",
        "    z = z - self.latent_mean.unsqueeze(-1)",
        "    z = torch.conv1d(z, self.latent_pca.unsqueeze(-1))",
        "    return z[:, :self.latent_size]",
        "",
        "def decode(self, z: Tensor) -> Tensor:",
        "    missing = self.full_latent_size - z.size(1)",
        "    if missing > 0:",
        "        noise = torch.randn([z.size(0), missing, z.size(2)], dtype=z.dtype)",
        "        z = torch.cat([z, noise], 1)",
        "    z = torch.conv1d(z, self.latent_pca.t().unsqueeze(-1))"
            + " + self.latent_mean.unsqueeze(-1)",
        "    y = self.pqmf.inverse(self.decoder.forward(z))",
        "    return y.reshape(z.size(0), self.n_channels, -1)",
        "",
        "def forward(self, x: Tensor) -> Tensor:",
        "    return self.decode(self.encode(x))",
        "",
        "def get_methods(self) -> List[str]:",
        "    return ['encode', 'decode', 'forward']",
        "",
        "def get_attributes(self) -> List[str]:",
        "    return []",
        "");
  }

  /** The PQMF's {@code forward} (analysis) and {@code inverse} (synthesis). */
  static String pqmfSource(Pqmf p, JitModule owner, boolean streaming) {
    PqmfDesign d = p.design();
    int n = d.order();
    int m = d.bands();
    boolean causal = p.analysisDelay() > 0;
    int q = n / m;
    Src a =
        new Src("def forward(self, x: Tensor) -> Tensor:\n", Map.of(), "pqmf", owner, streaming);
    if (streaming) {
      a.line("t = x");
      a.state("analysis_cache", "t.size(0)", 1, n);
      a.line("t = torch.cat([st, t], 2)");
      a.line("self.analysis_cache = t[:, :, t.size(2) - " + n + ":].clone()");
    } else {
      a.line(
          "t = torch.constant_pad_nd(x, ["
              + (causal ? n : n / 2)
              + ", "
              + (causal ? 0 : n / 2)
              + "], 0.0)");
    }
    a.line("return torch.conv1d(t, self.analysis, None, [" + m + "])");
    Src y =
        new Src("def inverse(self, x: Tensor) -> Tensor:\n", Map.of(), "pqmf", owner, streaming);
    y.line("b = x.size(0)");
    y.line("l = x.size(2)");
    if (streaming) {
      y.line("t = x");
      y.state("synthesis_cache", "t.size(0)", m, q);
      y.line("t = torch.cat([st, t], 2)");
      y.line("self.synthesis_cache = t[:, :, t.size(2) - " + q + ":].clone()");
    } else {
      y.line(
          "t = torch.constant_pad_nd(x, ["
              + (causal ? q : q / 2)
              + ", "
              + (causal ? 0 : q - q / 2)
              + "], 0.0)");
    }
    y.line("t = torch.conv1d(t, self.synthesis)");
    y.line("return t.permute(0, 2, 1).reshape(b, 1, l * " + m + ")");
    return a.s + "\n" + y.s;
  }

  /**
   * Emits the convolutions of one part ({@code encoder} or {@code decoder}) into one method; with
   * {@code streaming}, each padded causal convolution keeps the last {@code padLeft} samples of its
   * input in a buffer {@code <name>_cache} (zeros at the start; reset when the batch size changes)
   * instead of zero padding, and each transposed one keeps the {@code stride} samples its kernel
   * spills past the chunk in {@code <name>_tail}, added to the next chunk.
   */
  static final class Src {
    final StringBuilder s;
    final Map<String, Conv> convs;
    final String part;
    final JitModule owner; // null: source only (no cache buffers registered)
    final boolean streaming;

    Src(String header, Map<String, Conv> convs, String part, JitModule owner, boolean streaming) {
      this.s = new StringBuilder(header);
      this.convs = convs;
      this.part = part;
      this.owner = owner;
      this.streaming = streaming;
    }

    void line(String code) {
      TorchScriptExport.line(s, code);
    }

    /** A state buffer {@code [1, channels, length]} of zeros, and the lines that read it. */
    void state(String buf, String batch, int channels, int length) {
      if (owner != null) {
        owner.register_buffer(buf, org.bytedeco.pytorch.global.torch.zeros(1, channels, length));
      }
      line("st = self." + buf);
      line("if st.size(0) != " + batch + ":");
      line("    st = torch.zeros([" + batch + ", " + channels + ", " + length + "])");
    }

    /** {@code out = conv(in)} for the layer {@code name} ({@code part.name}). */
    void conv(String name, String out, String in) {
      Conv c = convs.get(part + "." + name);
      String p = paramName(name);
      String bias = c.bias() == null ? "None" : "self." + p + "_bias";
      if (c.kind == Conv.Kind.TRANSPOSED1D) {
        line("t = " + in);
        line("n = t.size(2)");
        line(
            out
                + " = torch.conv_transpose1d(t, self."
                + p
                + "_weight, "
                + bias
                + ", ["
                + c.stride
                + "])");
        if (streaming) {
          if (c.bias() != null || c.padLeft != 0) {
            throw new IllegalStateException(part + "." + name + " cannot stream");
          }
          state(p + "_tail", "t.size(0)", c.out, c.stride);
          line("self." + p + "_tail = " + out + "[:, :, n * " + c.stride + ":].clone()");
          line(
              out
                  + " = torch.cat(["
                  + out
                  + "[:, :, :"
                  + c.stride
                  + "] + st, "
                  + out
                  + "[:, :, "
                  + c.stride
                  + ":n * "
                  + c.stride
                  + "]], 2)");
        } else {
          line(
              out + " = " + out + "[:, :, " + c.padLeft + ":" + c.padLeft + " + n * " + c.stride
                  + "]");
        }
        return;
      }
      String x;
      if (c.padLeft + c.padRight == 0) {
        x = in;
      } else if (streaming) {
        if (c.padRight != 0) {
          throw new IllegalStateException(part + "." + name + " is not causal: it cannot stream");
        }
        line("t = " + in);
        state(p + "_cache", "t.size(0)", c.in, c.padLeft);
        line("t = torch.cat([st, t], 2)");
        line("self." + p + "_cache = t[:, :, t.size(2) - " + c.padLeft + ":].clone()");
        x = "t";
      } else {
        x = "torch.constant_pad_nd(" + in + ", [" + c.padLeft + ", " + c.padRight + "], 0.0)";
      }
      line(
          out
              + " = torch.conv1d("
              + x
              + ", self."
              + p
              + "_weight, "
              + bias
              + ", ["
              + c.stride
              + "], [0], ["
              + c.dilation
              + "])");
    }
  }

  private static void line(StringBuilder s, String code) {
    s.append("    ").append(code).append('\n');
  }

  private static final String LRELU = "torch.leaky_relu(%s, 0.2)";

  private static String lrelu(String x) {
    return String.format(LRELU, x);
  }

  static String encoderSource(
      RaveConfig c, Map<String, Conv> convs, JitModule owner, boolean streaming) {
    Src s =
        new Src("def forward(self, x: Tensor) -> Tensor:\n", convs, "encoder", owner, streaming);
    s.conv("in", "x", "x");
    for (int i = 0; i < c.ratios().size(); i++) {
      List<Integer> dil = c.dilations().get(i);
      for (int j = 0; j < dil.size(); j++) {
        String p = "s" + i + "_r" + j + "_";
        s.conv(p + "c1", "y", lrelu("x"));
        s.conv(p + "c2", "y", lrelu("y"));
        s.line("x = x + y");
      }
      s.conv("s" + i + "_down", "x", lrelu("x"));
    }
    s.conv("out", "x", lrelu("x"));
    s.line("return x");
    return s.s.toString();
  }

  static String decoderSource(
      RaveConfig c, Map<String, Conv> convs, JitModule owner, boolean streaming) {
    Src s =
        new Src("def forward(self, z: Tensor) -> Tensor:\n", convs, "decoder", owner, streaming);
    s.conv("in", "x", "z");
    int n = c.ratios().size();
    for (int i = 0; i < n; i++) {
      s.conv("s" + i + "_up", "x", lrelu("x"));
      List<Integer> dil = c.dilations().get(n - 1 - i);
      for (int j = 0; j < dil.size(); j++) {
        String p = "s" + i + "_r" + j + "_";
        s.conv(p + "c1", "y", lrelu("x"));
        s.conv(p + "c2", "y", lrelu("y"));
        s.line("x = x + y");
      }
    }
    s.line("h = " + lrelu("x"));
    s.conv("out", "y", "h");
    int m = c.bands();
    if (c.amplitudeModulation()) {
      s.line("y = y[:, :" + m + "] * torch.sigmoid(y[:, " + m + ":" + 2 * m + "])");
    }
    if (c.noise()) {
      // NoiseBranch: per noise frame, band magnitudes -> zero-phase FIR -> filtered uniform noise.
      int nb = c.noiseBands();
      int frame = c.hop() / c.bands();
      int taps = 2 * (nb - 1);
      s.line("b = h.size(0)");
      s.line("frames = h.size(2) // " + frame);
      s.conv("noise.amp", "a", "torch.avg_pool1d(h, [" + frame + "])");
      s.line(
          "mag = (torch.sigmoid(a - 5.0) * 2.0).reshape(b, "
              + m
              + ", "
              + nb
              + ", frames).permute(0, 1, 3, 2)");
      s.line("ir = torch.fft_irfft(torch.complex(mag, torch.zeros_like(mag)), " + taps + ", -1)");
      s.line("ir = torch.roll(ir, [" + (nb - 1) + "], [-1]) * torch.hann_window(" + taps + ")");
      s.line("u = torch.rand([b, " + m + ", frames, " + frame + "]) * 2.0 - 1.0");
      s.line(
          "spec = torch.fft_rfft(u, "
              + 2 * frame
              + ", -1) * torch.fft_rfft(ir, "
              + 2 * frame
              + ", -1)");
      s.line("w = torch.fft_irfft(spec, " + 2 * frame + ", -1)");
      s.line("y = y + w[:, :, :, :" + frame + "].reshape(b, " + m + ", frames * " + frame + ")");
    }
    s.line("return torch.tanh(y)");
    return s.s.toString();
  }
}
