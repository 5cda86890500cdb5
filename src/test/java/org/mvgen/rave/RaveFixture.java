package org.mvgen.rave;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Type;
import org.mvgen.torch.Torch;

/**
 * Writes RAVE-shaped TorchScript models with random weights, for tests and benchmarks: the methods,
 * attributes, buffers and submodules are named as real {@code rave export} files name them ({@code
 * encode}, {@code decode}, {@code forward}, {@code sr} or {@code sampling_rate}, {@code
 * encode_params}, {@code latent_pca}, {@code latent_mean}, {@code pqmf}, {@code encoder}), and the
 * encoder follows the published architecture (strided, dilated 1-D convolutions, LeakyReLU 0.2).
 * The TorchScript is written here from the paper and the export interface, not taken from RAVE.
 *
 * <p>Streaming fixtures replace each padded convolution by a cached one (the left context is a
 * buffer updated by every call), which makes them causal and delays their output by exactly {@link
 * #streamingDelay(Spec)} samples, like {@code rave export --streaming}.
 *
 * <pre>
 * RaveFixture.write(RaveFixture.small(RaveFixture.Version.V2, true, 1), Path.of("v2s.ts"));
 * </pre>
 */
public final class RaveFixture {
  private RaveFixture() {}

  /** Which RAVE export interface to imitate. */
  public enum Version {
    /** {@code sampling_rate}, {@code encode_amortized}, encoder returning (mean, scale). */
    V1,
    /** {@code sr}, encoder returning one tensor of means then scales. */
    V2
  }

  /**
   * The shape of a fixture.
   *
   * @param version export interface
   * @param streaming cached convolutions (stateful, delayed) or centred padding
   * @param sampleRate value of {@code sr} / {@code sampling_rate}
   * @param bands PQMF bands (the first decimation)
   * @param pqmfTaps taps of the PQMF analysis filters (odd)
   * @param capacity channels after the first convolution
   * @param strides encoder strides; hop = bands * product(strides)
   * @param dilations v2 residual dilations per stride (ignored by v1)
   * @param fullLatentSize means (and scales) produced by the encoder
   * @param latentSize dimensions kept after the PCA
   * @param seed random weights
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
      long seed) {
    public Spec {
      if (pqmfTaps % 2 == 0) {
        throw new IllegalArgumentException("pqmfTaps (" + pqmfTaps + ") must be odd");
      }
      if (latentSize > fullLatentSize) {
        throw new IllegalArgumentException("latentSize > fullLatentSize");
      }
    }

    /** Samples per latent frame. */
    public int hop() {
      int h = bands;
      for (int s : strides) {
        h *= s;
      }
      return h;
    }
  }

  /** A small fixture (hop 2048, capacity 4, 16 latents kept to 8) that runs in milliseconds. */
  public static Spec small(Version v, boolean streaming, long seed) {
    return new Spec(
        v,
        streaming,
        44100,
        16,
        33,
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
   * The exact delay of the streaming fixture in samples: the right padding of every centred
   * convolution, counted at the input rate.
   */
  public static int streamingDelay(Spec s) {
    Gen g = new Gen(s, null, 0);
    g.simulateOnly = true;
    encoderSource(s, g);
    return pqmfRight(s) + g.rightDelay;
  }

  private static int pqmfRight(Spec s) {
    return (s.pqmfTaps - 1) / 2;
  }

  /** Builds the top-level module. */
  static JitModule build(Spec s) {
    Random r = new Random(s.seed);
    JitModule pqmf = new JitModule(new QualifiedName("__torch__.mvgen_fixture.PQMF"));
    pqmf.register_buffer("hk", Torch.tensor(pqmfBank(s.bands, s.pqmfTaps), s.bands, 1, s.pqmfTaps));
    int taps1 = s.pqmfTaps - 1;
    StringBuilder p = new StringBuilder("def forward(self, x):\n");
    if (s.streaming) {
      pqmf.register_buffer("cache", org.bytedeco.pytorch.global.torch.zeros(1, 1, taps1));
      p.append("    x = torch.cat([self.cache, x], 2)\n");
      p.append("    self.cache = x[:, :, x.size(2) - ").append(taps1).append(":]\n");
    } else {
      p.append("    x = torch.constant_pad_nd(x, [")
          .append(taps1 / 2)
          .append(", ")
          .append(taps1 - taps1 / 2)
          .append("], 0.0)\n");
    }
    p.append("    return torch.conv1d(x, self.hk, None, [")
        .append(s.bands)
        .append("], [0], [1], 1)\n");
    pqmf.define(p.toString());

    JitModule enc = new JitModule(new QualifiedName("__torch__.mvgen_fixture.Encoder"));
    Gen g = new Gen(s, enc, r.nextLong());
    String src = encoderSource(s, g);
    enc.define(src);

    int F = s.fullLatentSize;
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
    m.register_module("encoder", enc);
    m.register_module("decoder", dec);
    Type.TypePtr intType = new Type.TypePtr(IntType.getIntTypePtr().get());
    m.register_attribute(
        s.version == Version.V1 ? "sampling_rate" : "sr", intType, new IValue((long) s.sampleRate));
    m.register_attribute("full_latent_size", intType, new IValue((long) F));
    m.register_attribute("latent_size", intType, new IValue((long) s.latentSize));
    m.register_attribute("n_channels", intType, new IValue(1L));
    m.register_buffer("encode_params", Torch.longs(1, 1, s.latentSize, hop));
    m.register_buffer("decode_params", Torch.longs(s.latentSize, hop, 1, 1));
    m.register_buffer("forward_params", Torch.longs(1, 1, 1, 1));
    m.register_buffer("latent_pca", Torch.tensor(orthogonal(r, F), F, F));
    m.register_buffer("latent_mean", Torch.tensor(gaussian(r, F, 0.1), F));
    float[] fid = new float[F];
    for (int i = 0; i < F; i++) {
      fid[i] = (float) (1 - Math.pow(0.8, i + 1));
    }
    m.register_buffer("fidelity", Torch.tensor(fid, F));

    String posterior =
        s.version == Version.V1
            ? "    mean, scale = self.encoder.forward(self.pqmf.forward(x))\n"
            : "    z = self.encoder.forward(self.pqmf.forward(x))\n"
                + "    mean, scale = z.chunk(2, 1)\n";
    String sample =
        "    std = torch.softplus(scale) + 0.0001\n"
            + "    z = torch.randn_like(mean) * std + mean\n";
    String project =
        "    z = z - self.latent_mean.unsqueeze(-1)\n"
            + "    z = torch.conv1d(z, self.latent_pca.unsqueeze(-1))\n"
            + "    return z[:, :self.latent_size]\n";
    m.define("def encode(self, x):\n" + posterior + sample + project);
    if (s.version == Version.V1) {
      m.define(
          "def encode_amortized(self, x):\n"
              + posterior
              + "    std = torch.softplus(scale) + 0.0001\n"
              + "    return mean, std\n");
    }
    m.define(
        "def decode(self, z):\n"
            + "    pad = torch.zeros(z.size(0), self.full_latent_size - z.size(1), z.size(2))\n"
            + "    z = torch.cat([z, pad], 1)\n"
            + "    z = torch.conv1d(z, self.latent_pca.t().unsqueeze(-1))"
            + " + self.latent_mean.unsqueeze(-1)\n"
            + "    return self.decoder.forward(z)\n");
    m.define("def forward(self, x):\n    return self.decode(self.encode(x))\n");
    m.eval();
    return m;
  }

  /** Emits convolutions as TorchScript, registering their weights and caches. */
  private static final class Gen {
    final Spec s;
    final JitModule m;
    final Random r;
    final StringBuilder b = new StringBuilder("def forward(self, x):\n");
    boolean simulateOnly;
    int n;
    int rate; // product of strides so far, at the input sample rate
    int rightDelay; // sum of right paddings at the input rate

    Gen(Spec s, JitModule m, long seed) {
      this.s = s;
      this.m = m;
      this.r = new Random(seed);
      this.rate = s.bands;
    }

    /** {@code out = conv(in)} with centred padding, or a cache when streaming. */
    void conv(String out, String in, int cin, int cout, int k, int stride, int dil, int groups) {
      int i = n++;
      int tot = (k - 1) * dil;
      int left = tot / 2;
      int right = tot - left;
      rightDelay += right * rate;
      rate *= stride;
      if (simulateOnly) {
        return;
      }
      int fanIn = cin / groups * k;
      m.register_parameter(
          "w" + i,
          Torch.tensor(gaussian(r, cout * fanIn, 1.0 / Math.sqrt(fanIn)), cout, cin / groups, k),
          false);
      String x = in;
      if (tot > 0 && s.streaming) {
        m.register_buffer("c" + i, org.bytedeco.pytorch.global.torch.zeros(1, cin, tot));
        b.append("    t").append(i).append(" = torch.cat([self.c").append(i);
        b.append(", ").append(in).append("], 2)\n");
        b.append("    self.c").append(i).append(" = t").append(i).append("[:, :, t").append(i);
        b.append(".size(2) - ").append(tot).append(":]\n");
        x = "t" + i;
      } else if (tot > 0) {
        x = "torch.constant_pad_nd(" + in + ", [" + left + ", " + right + "], 0.0)";
      }
      b.append("    ")
          .append(out)
          .append(" = torch.conv1d(")
          .append(x)
          .append(", self.w")
          .append(i);
      b.append(", None, [").append(stride).append("], [0], [").append(dil).append("], ");
      b.append(groups).append(")\n");
    }

    /**
     * Streaming only: delays {@code x} by {@code samples} (a cache of the last ones) so that a skip
     * connection stays aligned with its residual branch, whose cached convolution delays it.
     */
    void delay(String out, String x, int channels, int samples) {
      int i = n++;
      if (simulateOnly || !s.streaming) {
        line(out + " = " + x);
        return;
      }
      m.register_buffer("d" + i, org.bytedeco.pytorch.global.torch.zeros(1, channels, samples));
      line("t" + i + " = torch.cat([self.d" + i + ", " + x + "], 2)");
      line("self.d" + i + " = t" + i + "[:, :, t" + i + ".size(2) - " + samples + ":]");
      line(out + " = t" + i + "[:, :, :t" + i + ".size(2) - " + samples + "]");
    }

    void line(String code) {
      if (!simulateOnly) {
        b.append("    ").append(code).append('\n');
      }
    }

    void affine(String x, int channels) {
      // BatchNorm1d in eval mode: a per-channel scale and shift.
      int i = n++;
      if (simulateOnly) {
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

  private static String encoderSource(Spec s, Gen g) {
    int c = s.capacity;
    String lrelu = "torch.leaky_relu";
    g.conv("x", "x", s.bands, c, 7, 1, 1, 1);
    for (int i = 0; i < s.strides.length; i++) {
      int st = s.strides[i];
      if (s.version == Version.V2) {
        for (int d : s.dilations[i]) {
          g.line("y = " + lrelu + "(x, 0.2)");
          g.conv("y", "y", c, c, 3, 1, d, 1);
          g.line("y = " + lrelu + "(y, 0.2)");
          g.conv("y", "y", c, c, 1, 1, 1, 1);
          g.delay("x", "x", c, d);
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
    if (s.version == Version.V2) {
      g.conv("x", "x", c, 2 * s.fullLatentSize, 3, 1, 1, 1);
      g.line("return x");
    } else {
      g.conv("x", "x", c, 2 * s.fullLatentSize, 5, 1, 1, 2);
      g.line("mean, scale = x.chunk(2, 1)");
      g.line("return mean, scale");
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
