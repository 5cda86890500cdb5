package org.mvgen.rave;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.Encoders;
import org.mvgen.torch.Torch;

/**
 * Every kind of RAVE export a user may have (issue 10), each as a fixture written the way RAVE's
 * own export scripts write it: v1 files (tensor attributes, list-returning encoder, {@code
 * encode_amortized}), {@code input_mode = "mel"}, two channels, discrete (residual VQ), streaming
 * files of two layouts whose exact delay is computed here by hand. Latents are compared with what
 * the loaded file itself computes in TorchScript.
 */
class RaveExportVariantsTest {
  static final int HOP = 2048;
  static final Config C = Config.defaults();
  @TempDir static Path dir;

  static Path v1;
  static Path v1List;
  static Path mel;
  static Path stereo;
  static Path discrete;
  static Path v2Streaming;
  static Path v1Streaming;
  static Path v2Offline;
  static Path v1Offline;

  @BeforeAll
  static void writeFixtures() {
    v1 = write("v1.ts", RaveFixture.small(RaveFixture.Version.V1, false, 21));
    v1List =
        write(
            "v1-list.ts",
            RaveFixture.small(RaveFixture.Version.V1, false, 21).withAmortized(false));
    mel =
        write("mel.ts", RaveFixture.small(RaveFixture.Version.V2, false, 22).withInputMode("mel"));
    stereo =
        write("stereo.ts", RaveFixture.small(RaveFixture.Version.V2, false, 23).withChannels(2));
    discrete = write("vq.ts", RaveFixture.small(RaveFixture.Version.V2, false, 24).asDiscrete());
    v2Streaming = write("v2s.ts", RaveFixture.small(RaveFixture.Version.V2, true, 25));
    v2Offline = write("v2.ts", RaveFixture.small(RaveFixture.Version.V2, false, 25));
    v1Streaming = write("v1s.ts", RaveFixture.small(RaveFixture.Version.V1, true, 26));
    v1Offline = write("v1o.ts", RaveFixture.small(RaveFixture.Version.V1, false, 26));
  }

  static Path write(String name, RaveFixture.Spec spec) {
    Path f = dir.resolve(name);
    RaveFixture.write(spec, f);
    return f;
  }

  static AudioEncoder open(Path f, String options) throws EncoderException {
    return Encoders.open("rave:" + f + options, C);
  }

  static float[] noise(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.2 * r.nextGaussian() + 0.3 * Math.sin(i * 0.01));
    }
    return x;
  }

  /** {@code [1, D, T]} row-major into {@code [T][D]}. */
  static float[][] frames(float[] v, int d, int t) {
    float[][] out = new float[t][d];
    for (int n = 0; n < t; n++) {
      for (int i = 0; i < d; i++) {
        out[n][i] = v[i * t + n];
      }
    }
    return out;
  }

  static void assertClose(float[][] ref, float[][] z, String what) {
    assertEquals(ref.length, z.length, what + ": frames");
    double scale = 0;
    double diff = 0;
    for (int n = 0; n < ref.length; n++) {
      assertEquals(ref[n].length, z[n].length, what + ": latent size");
      for (int i = 0; i < ref[n].length; i++) {
        scale = Math.max(scale, Math.abs(ref[n][i]));
        diff = Math.max(diff, Math.abs(ref[n][i] - z[n][i]));
      }
    }
    assertTrue(scale > 0, what + ": reference is all zeros");
    assertTrue(diff <= 1e-4 * scale, what + ": max diff " + diff + " of " + scale);
  }

  /** Calls {@code method} of the file itself, loaded afresh, on {@code [1, channels, T]}. */
  static float[] fileSays(Path f, String define, String method, float[] x, int channels) {
    try (PointerScope scope = new PointerScope()) {
      Torch.load(1);
      JitModule m = torch.load(f.toString());
      m.eval();
      if (define != null) {
        m.define(define);
      }
      Tensor in = Torch.tensor(x, 1, 1, x.length);
      if (channels > 1) {
        in = in.expand(1, channels, x.length).contiguous();
      }
      torch.manual_seed(3);
      IValue out = m.get_method(method).apply(new IValueVector(new IValue(in)));
      return Torch.floats(Torch.tensorOf(out));
    } catch (org.mvgen.torch.TorchException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The posterior mean written in TorchScript on the module, for a given input path. */
  static String refMean(String input) {
    return "def ref_mean(self, x):\n"
        + input
        + "    z = self.encoder.forward(h)\n"
        + "    mean, scale = z.chunk(2, 1)\n"
        + "    z = mean - self.latent_mean.unsqueeze(-1)\n"
        + "    z = torch.conv1d(z, self.latent_pca.unsqueeze(-1))\n"
        + "    return z[:, :self.latent_size]\n";
  }

  @Test
  void v1ExportsLoadAndGiveTheMeanTheirEncodeAmortizedDeclares() throws Exception {
    float[] x = noise(8 * HOP, 1);
    // The reference: the file's own encode_amortized(x)[0], projected as its encode projects.
    float[] ref =
        fileSays(
            v1,
            "def ref_mean(self, x):\n"
                + "    ms = self.encode_amortized(x)\n"
                + "    z = ms[0] - self.latent_mean.unsqueeze(-1)\n"
                + "    z = torch.conv1d(z, self.latent_pca.unsqueeze(-1))\n"
                + "    return z[:, :int(self.latent_size)]\n",
            "ref_mean",
            x,
            1);
    try (AudioEncoder e = open(v1, "")) {
      assertEquals(44100, e.sampleRate(), "sampling_rate is a 0-dim tensor buffer");
      assertEquals(8, e.latentSize(), "latent_size is a 0-dim tensor buffer");
      assertEquals(HOP, e.hop());
      assertClose(frames(ref, 8, 8), e.encode(x), "v1 mean");
    }
    // Without encode_amortized, the mean comes from the encoder submodule, which returns a list.
    try (AudioEncoder e = open(v1List, "")) {
      assertClose(frames(ref, 8, 8), e.encode(x), "v1 mean from a list-returning encoder");
    }
    try (AudioEncoder e = open(v1, "?mode=sample")) {
      assertEquals(8, e.encode(x).length);
    }
  }

  @Test
  void sampleModeNeverComputesTheMean() throws Exception {
    // A file whose encoder takes a second argument: its own encode works, the mean (encoder
    // called with the audio alone) cannot.
    Path f = dir.resolve("two-arg-encoder.ts");
    try (PointerScope scope = new PointerScope()) {
      Torch.load(1);
      JitModule pqmf = new JitModule(new QualifiedName("__torch__.t.PQMF"));
      pqmf.define("def forward(self, x):\n    return x\n");
      JitModule enc = new JitModule(new QualifiedName("__torch__.t.Encoder"));
      enc.register_parameter("w", torch.randn(8, 1, 16), false);
      enc.define(
          "def forward(self, x, temperature: float):\n"
              + "    return torch.conv1d(x, self.w, None, [16]) * temperature\n");
      JitModule m = new JitModule(new QualifiedName("__torch__.t.ScriptedRAVE"));
      m.register_module("pqmf", pqmf);
      m.register_module("encoder", enc);
      m.register_attribute(
          "sr", new Type.TypePtr(IntType.getIntTypePtr().get()), new IValue(44100L));
      m.register_buffer("encode_params", Torch.longs(1, 1, 4, 16));
      m.register_buffer("latent_pca", torch.eye(8));
      m.register_buffer("latent_mean", torch.zeros(8));
      m.define(
          "def encode(self, x):\n"
              + "    return self.encoder.forward(self.pqmf.forward(x), 1.0)[:, :4]\n");
      m.save(f.toString());
    }
    float[] x = noise(64, 2);
    try (AudioEncoder e = open(f, "?mode=sample")) {
      assertClose(frames(fileSays(f, null, "encode", x, 1), 4, 4), e.encode(x), "encode");
    }
    EncoderException e = assertThrows(EncoderException.class, () -> open(f, ""));
    assertTrue(e.getMessage().contains("?mode=sample"), e.getMessage());
  }

  @Test
  void melInputModeExportsRunTheirSpectrogramNotThePqmf() throws Exception {
    float[] x = noise(8 * HOP, 3);
    float[] ref =
        fileSays(
            mel,
            refMean(
                "    s = self.spectrogram.forward(x)\n"
                    + "    s = s[:, :, :, :s.size(3) - 1]\n"
                    + "    h = torch.log1p(s).reshape(x.size(0), -1, s.size(3))\n"),
            "ref_mean",
            x,
            1);
    try (AudioEncoder e = open(mel, "")) {
      assertClose(frames(ref, 8, 8), e.encode(x), "mel mean");
    }
  }

  /** A raw-input layout: 1 band, so hop = 4 * 4 * 4 * 2 = 128 samples. */
  static RaveFixture.Spec raw(boolean streaming) {
    RaveFixture.Spec s = RaveFixture.small(RaveFixture.Version.V2, streaming, 27);
    return new RaveFixture.Spec(
            s.version(),
            streaming,
            s.sampleRate(),
            1,
            s.pqmfTaps(),
            s.capacity(),
            s.strides(),
            s.dilations(),
            s.fullLatentSize(),
            s.latentSize(),
            27)
        .withInputMode("raw");
  }

  /**
   * Raw input feeds the audio itself to the encoder; streaming, only the encoder's convolutions
   * count (v2 layout at rates 1, 4, 16, 64, 128: 11 + 8 x 4 + 8 x 16 + 3 x 64 + 1 x 128 = 491).
   */
  @Test
  void rawInputModeExportsFeedTheAudioItself() throws Exception {
    Path off = write("raw.ts", raw(false));
    Path st = write("raw-s.ts", raw(true));
    assertEquals(491, RaveFixture.streamingDelay(raw(true)));
    float[] x = noise(40 * 128, 7);
    float[] ref = fileSays(off, refMean("    h = x\n"), "ref_mean", x, 1);
    float[][] offline;
    try (AudioEncoder e = open(off, "")) {
      assertEquals(128, e.hop());
      offline = e.encode(x);
      assertClose(frames(ref, 8, 40), offline, "raw mean");
    }
    try (AudioEncoder e = open(st, "")) {
      assertEquals(491, e.delay(), "raw streaming delay from the file");
      float[][] z = e.encode(x);
      assertClose(
          java.util.Arrays.copyOfRange(offline, 8, 32),
          java.util.Arrays.copyOfRange(z, 8, 32),
          "raw stream vs offline");
    }
  }

  @Test
  void twoChannelExportsGetEachChannelThroughThePqmf() throws Exception {
    float[] x = noise(8 * HOP, 4);
    float[] ref =
        fileSays(
            stereo,
            refMean(
                "    h = self.pqmf.forward(x.reshape(-1, 1, x.size(2)))\n"
                    + "    h = h.reshape(x.size(0), -1, h.size(2))\n"),
            "ref_mean",
            x,
            2);
    try (AudioEncoder e = open(stereo, "")) {
      assertClose(frames(ref, 8, 8), e.encode(x), "two-channel mean (mono fed to both)");
    }
    try (AudioEncoder e = open(stereo, "?mode=sample")) {
      assertEquals(8, e.encode(x).length);
    }
  }

  @Test
  void discreteExportsRefuseTheMeanAndGiveRavesCodesInSampleMode() throws Exception {
    EncoderException ex = assertThrows(EncoderException.class, () -> open(discrete, ""));
    assertTrue(ex.getMessage().contains("discrete"), ex.getMessage());
    assertTrue(ex.getMessage().contains("?mode=sample"), ex.getMessage());
    float[] x = noise(8 * HOP, 5);
    float[] codes = fileSays(discrete, null, "encode", x, 1);
    try (AudioEncoder e = open(discrete, "?mode=sample")) {
      assertEquals(RaveFixture.QUANTIZERS, e.latentSize());
      float[][] z = e.encode(x);
      assertClose(frames(codes, RaveFixture.QUANTIZERS, 8), z, "codes");
      java.util.Set<Float> distinct = new java.util.HashSet<>();
      for (float[] row : z) {
        for (float c : row) {
          assertEquals(Math.rint(c), c, "a code is an integer");
          assertTrue(c >= 0 && c < RaveFixture.CODEBOOK, "code " + c);
          distinct.add(c);
        }
      }
      assertTrue(distinct.size() > 1, "codes vary: " + distinct);
      assertArrayEquals(z[3], e.encode(x)[3], "RAVE's codes are deterministic");
    }
  }

  /**
   * The exact delays, by hand (right padding p // 2 of each convolution with p = (k - 1) d + 1,
   * plus the downsampling delay (s - (right + cd) % s) % s of a strided one, where cd is the
   * chain's delay at that rate in the v1 layout and 0 in the v2 layout; times the input samples per
   * sample there):
   *
   * <pre>
   * v2 layout, PQMF 33 taps:  pqmf 16 + 0                                     =   16
   *   rate 16:   k7 3, res k3 d1 1, d3 3, k8/4: 4 + 0             = 11 x 16   =  176
   *   rate 64:   res 1 + 3, k8/4: 4 + 0                           =  8 x 64   =  512
   *   rate 256:  same                                             =  8 x 256  = 2048
   *   rate 1024: res 1, k4/2: 2 + 0                               =  3 x 1024 = 3072
   *   rate 2048: k3 1                                             =  1 x 2048 = 2048  total 7872
   * v1 layout, PQMF 49 taps:  pqmf 24 + (16 - 24 % 16) % 16 = 8                 =   32
   *   rate 16:   k7 3, k9/4: 4 + 1 (cd 3)                         =  8 x 16   =  128
   *   rate 64:   k9/4: 4 + 2 (cd (3 + 4 + 1) / 4 = 2)             =  6 x 64   =  384
   *   rate 256:  same                                             =  6 x 256  = 1536
   *   rate 1024: k5/2: 2 + 0 (cd 2)                               =  2 x 1024 = 2048
   *   rate 2048: k5 2                                             =  2 x 2048 = 4096  total 8224
   * </pre>
   *
   * The v2-sized fixture (PQMF 513 taps, dilations 1 3 9) is late by 14 208 samples, as RAVE 2.x's
   * default streaming export is.
   */
  static final int V2_DELAY = 7872;

  static final int V1_DELAY = 8224;

  @Test
  void streamingExportsTakeTheirExactDelayFromTheFile() throws Exception {
    assertEquals(
        V2_DELAY, RaveFixture.streamingDelay(RaveFixture.small(RaveFixture.Version.V2, true, 25)));
    assertEquals(
        V1_DELAY, RaveFixture.streamingDelay(RaveFixture.small(RaveFixture.Version.V1, true, 26)));
    assertEquals(14208, RaveFixture.streamingDelay(RaveFixture.v2Sized(true, 1)));
    for (Path[] pair : new Path[][] {{v2Streaming, v2Offline}, {v1Streaming, v1Offline}}) {
      int exact = pair[0] == v2Streaming ? V2_DELAY : V1_DELAY;
      float[] x = noise(24 * HOP + 300, 6);
      float[][] offline;
      try (AudioEncoder e = open(pair[1], "")) {
        offline = e.encode(x);
      }
      try (AudioEncoder s = open(pair[0], "")) {
        assertEquals(exact, s.delay(), pair[0] + ": delay read from the file");
        assertFalse(((RaveEncoder) s).delayMeasured(), "computed, not measured");
        float[][] z = s.encode(x);
        // Equal away from the ends (the offline file zero-pads every layer there, the stream
        // computes those activations from audio, and v1's BatchNorm shift).
        int margin = 5;
        assertClose(
            java.util.Arrays.copyOfRange(offline, margin, offline.length - margin),
            java.util.Arrays.copyOfRange(z, margin, z.length - margin),
            pair[0] + " compensated stream vs offline");
      }
    }
  }

  @Test
  void theIdOfALatentSetCoversTheDelay(@TempDir Path data) throws Exception {
    String exact;
    String other;
    String computed;
    try (AudioEncoder a = open(v2Streaming, "?delay=" + V2_DELAY);
        AudioEncoder b = open(v2Streaming, "?delay=4000");
        AudioEncoder c = open(v2Streaming, "")) {
      exact = a.id();
      other = b.id();
      computed = c.id();
    }
    assertNotEquals(exact, other, "another delay gives other latents");
    assertEquals(exact, computed, "the computed delay is the exact one");
    try (AudioEncoder o = open(v2Offline, "?delay=4000")) {
      assertFalse(o.id().contains("delay"), "an offline export has no delay: " + o.id());
    }
    // Through mvgen encode: a second delay encodes again instead of reusing the first latents.
    org.mvgen.encoder.DatasetEncodingTest.makeDataset(data);
    try (org.mvgen.dataset.Dataset ds = org.mvgen.dataset.Dataset.open(data)) {
      var first =
          DatasetEncoding.run(
              ds, "rave:" + v2Streaming + "?delay=4000", C, org.mvgen.util.Progress.SILENT);
      var second =
          DatasetEncoding.run(
              ds, "rave:" + v2Streaming + "?delay=" + V2_DELAY, C, org.mvgen.util.Progress.SILENT);
      assertEquals(0, second.skippedSources(), "nothing reused from the other delay");
      assertTrue(second.encodedSources() > 0);
      assertNotEquals(first.record().id(), second.record().id());
      assertEquals(4000, first.record().info().get("delay"));
      assertEquals(V2_DELAY, second.record().info().get("delay"));
    }
  }

  @Test
  void nnpackIsOffSoItsWarningsAreNeverPrinted() throws Exception {
    Torch.load(1);
    assertFalse(torch.globalContext().userEnabledNNPACK());
  }
}
