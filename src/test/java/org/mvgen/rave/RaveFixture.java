package org.mvgen.rave;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolType;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.StringType;
import org.bytedeco.pytorch.Tuple;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.torch.Torch;

/**
 * Writes RAVE-shaped TorchScript models with random weights, for tests and benchmarks: the methods,
 * attributes, buffers and submodules are named and typed as the files of RAVE's own export scripts
 * name them, in each variant users have:
 *
 * <ul>
 *   <li>{@link Version#V2}: {@code sr}, {@code latent_size}, {@code n_channels} as int attributes,
 *       {@code input_mode} as a string, {@code encode_params}, an encoder returning one tensor of
 *       means then scales (RAVE 2.x);
 *   <li>{@link Version#V1}: {@code sampling_rate} and {@code latent_size} as 0-dim integer tensor
 *       buffers, no {@code encode_params}, an encoder returning a <em>list</em> [mean, scale], and
 *       {@code encode_amortized} (the original {@code export_rave.py});
 *   <li>{@code input_mode = "mel"} (a {@code spectrogram} submodule feeds the encoder, last frame
 *       dropped, {@code log1p}), two-channel files ({@code n_channels = 2}: {@code encode} folds
 *       the channels into the batch before the PQMF and unfolds them after), discrete files ({@code
 *       encoder.rvq}, {@code encode} returns residual-VQ codes, identity PCA).
 * </ul>
 *
 * <p>The encoder follows the published architecture (strided, dilated 1-D convolutions, LeakyReLU
 * 0.2). Every convolution is a submodule as in RAVE's exports, with its {@code stride} as a class
 * constant. Streaming fixtures make each one a cached convolution laid out as RAVE's streaming
 * exports lay them out: a {@code downsampling_delay} padding submodule (delays the input so that
 * the chain's delay is a whole number of output samples), then a {@code cache} submodule of {@code
 * padding = left + right} samples (the previous call's tail), then the convolution without padding;
 * residual skips are delayed to match their branch. Such a file is late by exactly {@link
 * #streamingDelay(Spec)} samples. Two layouts: in v2 files every downsampling delay is zero (each
 * convolution is built as if the chain before it were on time, which is what gives RAVE 2.x
 * streaming exports their 14 208 samples: {@link #v2Sized} has exactly that delay); in v1 files the
 * chain's delay is passed on, so strided convolutions (and a 49-tap PQMF) delay their input. The
 * TorchScript is written here from the paper and the export interface, not taken from RAVE.
 *
 * <pre>
 * RaveFixture.write(RaveFixture.small(RaveFixture.Version.V2, true, 1), Path.of("v2s.ts"));
 * </pre>
 */
public final class RaveFixture {
  private RaveFixture() {}

  /** Which RAVE export interface to imitate. */
  public enum Version {
    /** {@code export_rave.py} of RAVE v1: tensor attributes, list-returning encoder. */
    V1,
    /** RAVE 2.x: int attributes, encoder returning one tensor of means then scales. */
    V2
  }

  /** Codes per latent frame of a discrete fixture (its latent size). */
  public static final int QUANTIZERS = 4;

  /** Entries of each codebook of a discrete fixture. */
  public static final int CODEBOOK = 16;

  /**
   * The shape of a fixture.
   *
   * @param version export interface
   * @param streaming cached convolutions (stateful, delayed) or centred padding
   * @param sampleRate value of {@code sr} / {@code sampling_rate}
   * @param bands PQMF bands (the first decimation; also the mel hop and mel bins)
   * @param pqmfTaps taps of the PQMF analysis filters (odd)
   * @param capacity channels after the first convolution
   * @param strides encoder strides; hop = bands * product(strides)
   * @param dilations v2 residual dilations per stride (ignored by v1)
   * @param fullLatentSize means (and scales) produced by the encoder
   * @param latentSize dimensions kept after the PCA ({@link #QUANTIZERS} when discrete)
   * @param seed random weights
   * @param inputMode {@code pqmf}, {@code mel} or {@code raw} (then {@code bands = 1})
   * @param channels {@code n_channels}
   * @param discrete residual-VQ encoder ({@code encoder.rvq}) instead of a variational one
   * @param amortized whether a v1 file has {@code encode_amortized}
   */
  public record Spec(
      Version version,
      boolean streaming,
      int sampleRate,
      int bands,
      int pqmfTaps,
      int capacity,
      int[] strides,
      int[][] dilations,
      int fullLatentSize,
      int latentSize,
      long seed,
      String inputMode,
      int channels,
      boolean discrete,
      boolean amortized) {
    public Spec {
      if (pqmfTaps % 2 == 0) {
        throw new IllegalArgumentException("pqmfTaps (" + pqmfTaps + ") must be odd");
      }
      if (latentSize > fullLatentSize) {
        throw new IllegalArgumentException("latentSize > fullLatentSize");
      }
      if (!List.of("pqmf", "mel", "raw").contains(inputMode)) {
        throw new IllegalArgumentException(
            "inputMode (" + inputMode + ") must be pqmf, mel or raw");
      }
      if (streaming && inputMode.equals("mel")) {
        throw new IllegalArgumentException("streaming fixtures have input mode pqmf or raw");
      }
      if (inputMode.equals("raw") && bands != 1) {
        throw new IllegalArgumentException("raw input (the audio itself) needs bands = 1");
      }
      if (version == Version.V1 && (channels != 1 || discrete || !inputMode.equals("pqmf"))) {
        throw new IllegalArgumentException("v1 exports are mono, variational, pqmf");
      }
    }

    /** A mono, variational, PQMF-input fixture (a v1 one with {@code encode_amortized}). */
    public Spec(
        Version version,
        boolean streaming,
        int sampleRate,
        int bands,
        int pqmfTaps,
        int capacity,
        int[] strides,
        int[][] dilations,
        int fullLatentSize,
        int latentSize,
        long seed) {
      this(
          version,
          streaming,
          sampleRate,
          bands,
          pqmfTaps,
          capacity,
          strides,
          dilations,
          fullLatentSize,
          latentSize,
          seed,
          "pqmf",
          1,
          false,
          version == Version.V1);
    }

    /** Samples per latent frame. */
    public int hop() {
      int h = bands;
      for (int s : strides) {
        h *= s;
      }
      return h;
    }

    public Spec withSampleRate(int sr) {
      return new Spec(
          version,
          streaming,
          sr,
          bands,
          pqmfTaps,
          capacity,
          strides,
          dilations,
          fullLatentSize,
          latentSize,
          seed,
          inputMode,
          channels,
          discrete,
          amortized);
    }

    public Spec withInputMode(String mode) {
      return new Spec(
          version,
          streaming,
          sampleRate,
          bands,
          pqmfTaps,
          capacity,
          strides,
          dilations,
          fullLatentSize,
          latentSize,
          seed,
          mode,
          channels,
          discrete,
          amortized);
    }

    public Spec withChannels(int n) {
      return new Spec(
          version,
          streaming,
          sampleRate,
          bands,
          pqmfTaps,
          capacity,
          strides,
          dilations,
          fullLatentSize,
          latentSize,
          seed,
          inputMode,
          n,
          discrete,
          amortized);
    }

    /** A discrete (residual-VQ) export of {@link #QUANTIZERS} codes per frame. */
    public Spec asDiscrete() {
      return new Spec(
          version,
          streaming,
          sampleRate,
          bands,
          pqmfTaps,
          capacity,
          strides,
          dilations,
          fullLatentSize,
          QUANTIZERS,
          seed,
          inputMode,
          channels,
          true,
          amortized);
    }

    public Spec withAmortized(boolean a) {
      return new Spec(
          version,
          streaming,
          sampleRate,
          bands,
          pqmfTaps,
          capacity,
          strides,
          dilations,
          fullLatentSize,
          latentSize,
          seed,
          inputMode,
          channels,
          discrete,
          a);
    }
  }

  /** A small fixture (hop 2048, capacity 4, 16 latents kept to 8) that runs in milliseconds. */
  public static Spec small(Version v, boolean streaming, long seed) {
    return new Spec(
        v,
        streaming,
        44100,
        16,
        v == Version.V1 ? 49 : 33, // two PQMF layouts: 49 taps need a downsampling delay
        4,
        new int[] {4, 4, 4, 2},
        new int[][] {{1, 3}, {1, 3}, {1, 3}, {1}},
        16,
        8,
        seed);
  }

  /**
   * The size of the default RAVE v2 encoder: 16 bands, capacity 96, strides 4 4 4 2, 128 latents.
   */
  public static Spec v2Sized(boolean streaming, long seed) {
    return new Spec(
        Version.V2,
        streaming,
        44100,
        16,
        513,
        96,
        new int[] {4, 4, 4, 2},
        new int[][] {{1, 3, 9}, {1, 3, 9}, {1, 3, 9}, {1, 3}},
        128,
        16,
        seed);
  }

  /** Writes the fixture as a TorchScript file. */
  public static void write(Spec spec, Path file) {
    try {
      Torch.load(0);
    } catch (org.mvgen.torch.TorchException e) {
      throw new IllegalStateException("libtorch does not load: " + e.getMessage(), e);
    }
    try (PointerScope scope = new PointerScope()) {
      build(spec).save(file.toString());
    }
  }

  /**
   * The exact delay of the streaming fixture in samples: for every convolution on the analysis
   * path, its right padding plus its downsampling delay, counted at the input rate.
   */
  public static int streamingDelay(Spec s) {
    if (s.inputMode.equals("raw")) {
      Gen enc = new Gen(s, null, 0, 1); // the encoder takes the audio itself
      encoderSource(s, enc);
      return enc.delay;
    }
    Gen pqmf = new Gen(s, null, 0, 1);
    pqmf.conv("x", "x", 1, s.bands, s.pqmfTaps, s.bands, 1, 1, s.channels);
    // RAVE's encoder tracks its own chain from zero: the PQMF's delay is not passed to it.
    Gen enc = new Gen(s, null, 0, s.bands);
    encoderSource(s, enc);
    return pqmf.delay + enc.delay;
  }

  private static Type.TypePtr intType() {
    return new Type.TypePtr(IntType.getIntTypePtr().get());
  }

  /** Builds the top-level module. */
  static JitModule build(Spec s) {
    Random r = new Random(s.seed);
    int inCh = s.channels * s.bands; // PQMF bands or mel bins, per channel

    JitModule pqmf = new JitModule(new QualifiedName("__torch__.mvgen_fixture.CachedPQMF"));
    pqmf.register_buffer("hk", Torch.tensor(pqmfBank(s.bands, s.pqmfTaps), s.bands, s.pqmfTaps));
    Gen pg = new Gen(s, pqmf, 0, 1);
    pg.fixedWeight = pqmfBank(s.bands, s.pqmfTaps);
    pg.conv("x", "x", 1, s.bands, s.pqmfTaps, s.bands, 1, 1, s.channels);
    pqmf.define(
        "def forward(self, x):\n" + "    x = self.forward_conv.forward(x)\n" + "    return x\n");

    JitModule spectrogram = null;
    if (s.inputMode.equals("mel")) {
      // A stand-in for torchaudio's MelSpectrogram: [B, C, T] -> [B, C, bins, T / hop + 1], the
      // frame count of center=True; bins = hop = bands so that the encoder's rate is the PQMF's.
      int hop = s.bands;
      int win = 2 * hop;
      spectrogram = new JitModule(new QualifiedName("__torch__.mvgen_fixture.MelSpectrogram"));
      spectrogram.register_buffer(
          "filters", Torch.tensor(gaussian(r, s.bands * win, 0.3), s.bands, 1, win));
      spectrogram.define(
          "def forward(self, x):\n"
              + "    b = x.size(0)\n"
              + "    c = x.size(1)\n"
              + "    y = torch.constant_pad_nd(x.reshape(b * c, 1, x.size(2)), ["
              + win / 2
              + ", "
              + win / 2
              + "], 0.0)\n"
              + "    y = torch.conv1d(y, self.filters, None, ["
              + hop
              + "])\n"
              + "    y = y * y\n"
              + "    return y.reshape(b, c, y.size(1), y.size(2))\n");
    }

    JitModule enc = new JitModule(new QualifiedName("__torch__.mvgen_fixture.Encoder"));
    Gen g = new Gen(s, enc, r.nextLong(), s.bands);
    g.inChannels = inCh;
    String src = encoderSource(s, g);
    int F = s.fullLatentSize;
    if (s.discrete) {
      JitModule rvq = new JitModule(new QualifiedName("__torch__.mvgen_fixture.ResidualVQ"));
      StringBuilder code = new StringBuilder("def encode(self, x):\n");
      code.append("    r = x.transpose(1, 2)\n");
      StringBuilder stack = new StringBuilder();
      for (int q = 0; q < QUANTIZERS; q++) {
        rvq.register_buffer(
            "codebook" + q, Torch.tensor(gaussian(r, CODEBOOK * F, 1.0 / (q + 1)), CODEBOOK, F));
        code.append("    d").append(q).append(" = ((r.unsqueeze(2) - self.codebook").append(q);
        code.append(").pow(2)).sum(3)\n");
        code.append("    i").append(q).append(" = torch.argmin(d").append(q).append(", 2)\n");
        code.append("    r = r - torch.embedding(self.codebook").append(q).append(", i");
        code.append(q).append(")\n");
        stack.append(q == 0 ? "" : ", ").append("i").append(q);
      }
      code.append("    return torch.stack([").append(stack).append("], 1).float()\n");
      rvq.define(code.toString());
      enc.register_module("rvq", rvq);
    }
    enc.define(src);

    int hop = s.hop();
    JitModule dec = new JitModule(new QualifiedName("__torch__.mvgen_fixture.Decoder"));
    dec.register_parameter("weight", Torch.tensor(gaussian(r, F * hop, 0.05), F, 1, hop), false);
    dec.define(
        "def forward(self, z):\n"
            + "    return torch.tanh(torch.conv_transpose1d(z, self.weight, None, ["
            + hop
            + "]))\n");

    JitModule m =
        new JitModule(
            new QualifiedName(
                "__torch__.mvgen_fixture.Scripted"
                    + (s.version == Version.V1 ? "RAVEv1" : "RAVE")));
    m.register_module("pqmf", pqmf);
    if (spectrogram != null) {
      m.register_module("spectrogram", spectrogram);
    }
    m.register_module("encoder", enc);
    m.register_module("decoder", dec);
    if (s.version == Version.V1) {
      // export_rave.py registers these as buffers: 0-dim int64 tensors, not int attributes.
      m.register_buffer("sampling_rate", Torch.longs(s.sampleRate).squeeze());
      m.register_buffer("latent_size", Torch.longs(s.latentSize).squeeze());
    } else {
      m.register_attribute("sr", intType(), new IValue((long) s.sampleRate));
      m.register_attribute("full_latent_size", intType(), new IValue((long) F));
      m.register_attribute("latent_size", intType(), new IValue((long) s.latentSize));
      m.register_attribute("n_channels", intType(), new IValue((long) s.channels));
      m.register_attribute(
          "input_mode", new Type.TypePtr(StringType.get().get()), new IValue(s.inputMode));
      m.register_buffer("encode_params", Torch.longs(s.channels, 1, s.latentSize, hop));
      m.register_buffer("decode_params", Torch.longs(s.latentSize, hop, s.channels, 1));
      m.register_buffer("forward_params", Torch.longs(s.channels, 1, s.channels, 1));
    }
    if (s.discrete) {
      // RAVE fits the PCA only for variational encoders: a discrete export keeps the identity.
      float[] eye = new float[F * F];
      for (int i = 0; i < F; i++) {
        eye[i * F + i] = 1;
      }
      m.register_buffer("latent_pca", Torch.tensor(eye, F, F));
      m.register_buffer("latent_mean", torch.zeros(F));
    } else {
      m.register_buffer("latent_pca", Torch.tensor(orthogonal(r, F), F, F));
      m.register_buffer("latent_mean", Torch.tensor(gaussian(r, F, 0.1), F));
    }
    float[] fid = new float[F];
    for (int i = 0; i < F; i++) {
      fid[i] = (float) (1 - Math.pow(0.8, i + 1));
    }
    m.register_buffer("fidelity", Torch.tensor(fid, F));

    String input =
        switch (s.inputMode) {
          case "mel" ->
              "    s = self.spectrogram.forward(x)\n"
                  + "    s = s[:, :, :, :s.size(3) - 1]\n"
                  + "    h = torch.log1p(s).reshape(x.size(0), -1, s.size(3))\n";
          case "raw" -> "    h = x\n";
          default ->
              "    h = self.pqmf.forward(x.reshape(-1, 1, x.size(2)))\n"
                  + "    h = h.reshape(x.size(0), -1, h.size(2))\n";
        };
    String posterior =
        s.version == Version.V1
            ? "    ms = self.encoder.forward(h)\n" + "    mean = ms[0]\n" + "    scale = ms[1]\n"
            : "    z = self.encoder.forward(h)\n" + "    mean, scale = z.chunk(2, 1)\n";
    String keep = s.version == Version.V1 ? "int(self.latent_size)" : String.valueOf(s.latentSize);
    String sample =
        "    std = torch.softplus(scale) + 0.0001\n"
            + "    z = torch.randn_like(mean) * std + mean\n";
    String project =
        "    z = z - self.latent_mean.unsqueeze(-1)\n"
            + "    z = torch.conv1d(z, self.latent_pca.unsqueeze(-1))\n"
            + "    return z[:, :"
            + keep
            + "]\n";
    if (s.discrete) {
      m.define(
          "def encode(self, x):\n"
              + input
              + "    z = self.encoder.forward(h)\n"
              + "    return self.encoder.rvq.encode(z)\n");
    } else {
      m.define("def encode(self, x):\n" + input + posterior + sample + project);
    }
    if (s.version == Version.V1 && s.amortized) {
      m.define(
          "def encode_amortized(self, x):\n"
              + input
              + posterior
              + "    std = torch.softplus(scale) + 0.0001\n"
              + "    return mean, std\n");
    }
    m.define(
        "def decode(self, z):\n"
            + "    pad = torch.zeros(z.size(0), self.latent_pca.size(0) - z.size(1), z.size(2))\n"
            + "    z = torch.cat([z, pad], 1)\n"
            + "    z = torch.conv1d(z, self.latent_pca.t().unsqueeze(-1))"
            + " + self.latent_mean.unsqueeze(-1)\n"
            + "    return self.decoder.forward(z)\n");
    m.define("def forward(self, x):\n    return self.decode(self.encode(x))\n");
    m.eval();
    return m;
  }

  /**
   * Emits convolutions as submodules called from TorchScript, and tracks their delay the way RAVE's
   * cached convolutions do: {@code cd} is the chain's delay in samples at the current rate, and a
   * strided convolution first delays its input by {@code (stride - (right + cd) % stride) % stride}
   * so that its own output is late by a whole number of output samples.
   */
  private static final class Gen {
    final Spec s;
    final JitModule m; // null: only count the delay
    final Random r;
    final StringBuilder b = new StringBuilder("def forward(self, x):\n");
    float[] fixedWeight;
    int inChannels;
    int n;
    int rate; // input samples per sample at the current layer
    int cd; // chain delay at the current rate
    int delay; // total delay at the input rate

    Gen(Spec s, JitModule m, long seed, int rate) {
      this.s = s;
      this.m = m;
      this.r = new Random(seed);
      this.rate = rate;
    }

    /** {@code out = conv(in)}: centred zero padding, or cached when streaming. */
    void conv(String out, String in, int cin, int cout, int k, int stride, int dil, int groups) {
      conv(out, in, cin, cout, k, stride, dil, groups, 1);
    }

    void conv(
        String out, String in, int cin, int cout, int k, int stride, int dil, int groups, int bt) {
      int i = n++;
      int p = (k - 1) * dil + 1;
      int right = p / 2;
      int left = (p - 1) / 2;
      // v1 layout: the chain's delay is passed from layer to layer, so strided convolutions get
      // downsampling delays; v2 layout: each convolution is built as if the chain were not late
      // (as RAVE 2.x builds its encoder: this is what gives its streaming exports 14 208 samples).
      int sd = (stride - (right + (s.version == Version.V1 ? cd : 0)) % stride) % stride;
      delay += (right + sd) * rate;
      cd = (right + sd + cd) / stride;
      rate *= stride;
      if (m == null) {
        return;
      }
      String name = fixedWeight != null ? "forward_conv" : "conv" + i;
      JitModule c = new JitModule(new QualifiedName("__torch__.mvgen_fixture.Conv1d_" + uid(name)));
      int fanIn = cin / groups * k;
      float[] w =
          fixedWeight != null ? fixedWeight : gaussian(r, cout * fanIn, 1.0 / Math.sqrt(fanIn));
      c.register_parameter("weight", Torch.tensor(w, cout, cin / groups, k), false);
      c.type().addConstant("stride", new IValue(Tuple.create(new IValue((long) stride))));
      c.type().addConstant("dilation", new IValue(Tuple.create(new IValue((long) dil))));
      c.type().addConstant("kernel_size", new IValue(Tuple.create(new IValue((long) k))));
      String conv =
          "    return torch.conv1d(x, self.weight, None, ["
              + stride
              + "], [0], ["
              + dil
              + "], "
              + groups
              + ")\n";
      if (s.streaming) {
        c.register_module("downsampling_delay", pad(name + "_dd", bt, cin, sd, true));
        c.register_module("cache", pad(name + "_cache", bt, cin, left + right, false));
        c.define(
            "def forward(self, x):\n"
                + "    x = self.downsampling_delay.forward(x)\n"
                + "    x = self.cache.forward(x)\n"
                + conv);
      } else {
        c.define(
            "def forward(self, x):\n"
                + "    x = torch.constant_pad_nd(x, ["
                + left
                + ", "
                + right
                + "], 0.0)\n"
                + conv);
      }
      m.register_module(name, c);
      line(out + " = self." + name + ".forward(" + in + ")");
    }

    /**
     * A cached padding: prepends the previous call's last {@code padding} samples; with {@code
     * crop} drops as many at the end (a pure delay).
     */
    JitModule pad(String name, int batch, int channels, int padding, boolean crop) {
      JitModule p = new JitModule(new QualifiedName("__torch__.mvgen_fixture.Pad_" + uid(name)));
      p.register_attribute("padding", intType(), new IValue((long) padding));
      p.register_attribute("crop", new Type.TypePtr(BoolType.get().get()), new IValue(crop));
      if (padding == 0) {
        p.define("def forward(self, x):\n    return x\n");
        return p;
      }
      p.register_buffer("pad", torch.zeros(batch, channels, padding));
      p.define(
          "def forward(self, x):\n"
              + "    x = torch.cat([self.pad, x], 2)\n"
              + "    self.pad = x[:, :, x.size(2) - self.padding:]\n"
              + (crop ? "    return x[:, :, :x.size(2) - self.padding]\n" : "    return x\n"));
      return p;
    }

    /**
     * Streaming only: delays {@code x} by {@code samples} (a cache of the last ones) so that a skip
     * connection stays aligned with its residual branch, whose cached convolution delays it.
     */
    void skipDelay(String out, String x, int channels, int samples) {
      int i = n++;
      if (m == null) {
        return;
      }
      if (!s.streaming) {
        line(out + " = " + x);
        return;
      }
      String name = "align" + i;
      m.register_module(name, pad(name, 1, channels, samples, true));
      line(out + " = self." + name + ".forward(" + x + ")");
    }

    void line(String code) {
      if (m != null) {
        b.append("    ").append(code).append('\n');
      }
    }

    void affine(String x, int channels) {
      // BatchNorm1d in eval mode: a per-channel scale and shift.
      int i = n++;
      if (m == null) {
        return;
      }
      float[] scale = new float[channels];
      java.util.Arrays.fill(scale, 1f);
      m.register_buffer("bn" + i + "_scale", Torch.tensor(scale, channels, 1));
      m.register_buffer(
          "bn" + i + "_shift", Torch.tensor(gaussian(r, channels, 0.01), channels, 1));
      line(x + " = " + x + " * self.bn" + i + "_scale + self.bn" + i + "_shift");
    }
  }

  private static int uidCounter;

  private static synchronized String uid(String name) {
    return name + "_" + uidCounter++;
  }

  private static String encoderSource(Spec s, Gen g) {
    int c = s.capacity;
    String lrelu = "torch.leaky_relu";
    g.conv("x", "x", g.inChannels == 0 ? s.channels * s.bands : g.inChannels, c, 7, 1, 1, 1);
    for (int i = 0; i < s.strides.length; i++) {
      int st = s.strides[i];
      if (s.version == Version.V2) {
        for (int d : s.dilations[i]) {
          g.line("y = " + lrelu + "(x, 0.2)");
          g.conv("y", "y", c, c, 3, 1, d, 1);
          g.line("y = " + lrelu + "(y, 0.2)");
          g.conv("y", "y", c, c, 1, 1, 1, 1);
          g.skipDelay("x", "x", c, d);
          g.line("x = x + 0.5 * y");
        }
        g.line("x = " + lrelu + "(x, 0.2)");
        g.conv("x", "x", c, 2 * c, 2 * st, st, 1, 1);
      } else {
        g.affine("x", c);
        g.line("x = " + lrelu + "(x, 0.2)");
        g.conv("x", "x", c, 2 * c, 2 * st + 1, st, 1, 1);
      }
      c *= 2;
    }
    g.line("x = " + lrelu + "(x, 0.2)");
    int F = s.fullLatentSize;
    if (s.discrete) {
      g.conv("x", "x", c, F, 3, 1, 1, 1);
      g.line("return x");
    } else if (s.version == Version.V2) {
      g.conv("x", "x", c, 2 * F, 3, 1, 1, 1);
      g.line("return x");
    } else {
      g.conv("x", "x", c, 2 * F, 5, 1, 1, 2);
      g.line("return torch.split(x, " + F + ", 1)"); // a list, as v1's encoder returns
    }
    return g.b.toString();
  }

  /** Cosine-modulated Hann low-pass bank, {@code [bands, taps]} row-major. */
  static float[] pqmfBank(int bands, int taps) {
    float[] h = new float[bands * taps];
    int half = taps / 2;
    double cutoff = Math.PI / (2 * bands);
    for (int k = 0; k < bands; k++) {
      for (int t = 0; t < taps; t++) {
        int n = t - half;
        double lp = n == 0 ? cutoff / Math.PI : Math.sin(cutoff * n) / (Math.PI * n);
        double w = 0.5 + 0.5 * Math.cos(Math.PI * n / (half + 1));
        double mod =
            Math.cos(
                (2 * k + 1) * Math.PI / (2 * bands) * n + ((k % 2 == 0) ? 1 : -1) * Math.PI / 4);
        h[k * taps + t] = (float) (2 * lp * w * mod);
      }
    }
    return h;
  }

  static float[] gaussian(Random r, int n, double std) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextGaussian() * std);
    }
    return x;
  }

  /** A random orthogonal matrix by Gram-Schmidt, row-major. */
  static float[] orthogonal(Random r, int n) {
    List<double[]> rows = new ArrayList<>();
    while (rows.size() < n) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = r.nextGaussian();
      }
      for (double[] u : rows) {
        double d = 0;
        for (int i = 0; i < n; i++) {
          d += u[i] * v[i];
        }
        for (int i = 0; i < n; i++) {
          v[i] -= d * u[i];
        }
      }
      double norm = 0;
      for (double e : v) {
        norm += e * e;
      }
      norm = Math.sqrt(norm);
      if (norm < 1e-6) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        v[i] /= norm;
      }
      rows.add(v);
    }
    float[] out = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        out[i * n + j] = (float) rows.get(i)[j];
      }
    }
    return out;
  }
}
