package org.mvgen.rave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveNet;
import org.mvgen.rave.model.TorchScriptExport;
import org.mvgen.torch.Torch;

/**
 * {@link TorchScriptExport}: an mvgen-trained RAVE (the tiny config, seeded random weights, weight
 * normalisation folded by the export) written with RAVE's export interface loads in mvgen's own
 * RAVE loader and in Python's {@code torch.jit.load}, and both give the posterior means of {@link
 * RaveAutoencoder#encodeMean}.
 */
class RaveTorchScriptExportTest {
  static final String PYTHON =
      Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

  @TempDir static Path tmp;
  static RaveAutoencoder model;
  static Path file;
  static float[] audio;

  @BeforeAll
  static void export() throws Exception {
    Torch.load();
    torch.manual_seed(3);
    try (RaveNet net = new RaveNet(RaveConfig.named("tiny"), true)) {
      model = RaveAutoencoder.of(net); // a folded copy
    }
    file = tmp.resolve("sub/tiny.ts");
    TorchScriptExport.write(model, file);
    Random r = new Random(9);
    audio = new float[6 * model.hop()];
    for (int i = 0; i < audio.length; i++) {
      audio[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.05 * r.nextGaussian());
    }
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
    if (live != null) {
      live.close();
    }
  }

  static RaveAutoencoder live;
  static Path liveFile;

  /** The causal {@code live} config (seeded random weights), exported streaming. */
  static synchronized void exportLive() throws Exception {
    if (live == null) {
      torch.manual_seed(4);
      try (RaveNet net = new RaveNet(RaveConfig.named("live"), true)) {
        live = RaveAutoencoder.of(net);
      }
      liveFile = tmp.resolve("live-streaming.ts");
      TorchScriptExport.write(live, null, true, liveFile);
    }
  }

  static float[] signal(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.3 * Math.sin(i * 0.031) + 0.05 * r.nextGaussian());
    }
    return x;
  }

  /** Streaming: chunks of whole hops give the means and the audio of one call on everything. */
  @Test
  void streamingExportContinuesOneSignalAcrossCalls() throws Exception {
    exportLive();
    int hop = live.hop();
    int d = live.latentSize();
    float[] x = signal(8 * hop, 11);
    float[][] expected = live.encodeMean(x);
    float[] expectedAudio = live.decode(expected);
    int[] chunks = {1, 3, 4}; // hops per call
    int[] latentChunks = {2, 1, 5};
    try (PointerScope scope = new PointerScope()) {
      JitModule j = torch.load(liveFile.toString());
      j.eval();
      JitModule pqmf = new JitModule(j.attr("pqmf").toObject());
      JitModule enc = new JitModule(j.attr("encoder").toObject());
      float[] flat = new float[8 * d];
      int at = 0;
      for (int c : chunks) {
        Tensor a = Torch.tensor(x, at * hop, new long[] {1, 1, (long) c * hop});
        Tensor h = Torch.tensorOf(pqmf.forward(new IValueVector(new IValue(a))));
        Tensor z = Torch.tensorOf(enc.forward(new IValueVector(new IValue(h))));
        float[] mu = Torch.floats(z.narrow(1, 0, d).contiguous()); // [d, c]
        for (int k = 0; k < d; k++) {
          for (int n = 0; n < c; n++) {
            flat[k * 8 + at + n] = mu[k * c + n];
          }
        }
        at += c;
      }
      assertClose(expected, flat, 8, "streamed means");
      float[] y = new float[8 * hop];
      at = 0;
      for (int c : latentChunks) {
        float[] zc = new float[d * c];
        for (int k = 0; k < d; k++) {
          for (int n = 0; n < c; n++) {
            zc[k * c + n] = expected[at + n][k];
          }
        }
        Tensor z = Torch.tensor(zc, 1, d, c);
        Tensor out = Torch.tensorOf(j.get_method("decode").apply(new IValueVector(new IValue(z))));
        Torch.copy(out.contiguous(), y, at * hop);
        at += c;
      }
      for (int i = 0; i < y.length; i++) {
        assertEquals(expectedAudio[i], y[i], 1e-4, "streamed decoded sample " + i);
      }
    }
    try (RaveModel m = RaveModel.load(liveFile, 1)) {
      assertTrue(m.streaming(), "mvgen's loader sees the state");
      assertEquals(0, RaveModel.intAttr(m.fresh(), "streaming_delay"));
      assertEquals(hop, m.hop());
      try (PointerScope scope = new PointerScope()) {
        Tensor z = m.mean(m.fresh(), x);
        assertClose(expected, Torch.floats(z.contiguous()), 8, "RaveModel mean (fresh)");
      }
    }
    // The encoder mvgen builds on it (rave:FILE?delay=0): no delay, encodeMean's grid.
    try (RaveEncoder e =
        new RaveEncoder(RaveModel.load(liveFile, 1), RaveEncoder.Mode.MEAN, "rave:live", 0)) {
      float[][] got = e.encode(x);
      assertEquals(8, got.length);
      float[] flat = new float[8 * d];
      for (int n = 0; n < 8; n++) {
        for (int k = 0; k < d; k++) {
          flat[k * 8 + n] = got[n][k];
        }
      }
      assertClose(expected, flat, 8, "RaveEncoder (delay 0)");
    }
    try (RaveEncoder e =
        new RaveEncoder(RaveModel.load(liveFile, 1), RaveEncoder.Mode.MEAN, "rave:live", -1)) {
      // Without ?delay=: the file's own streaming_delay, not a click measurement.
      assertEquals(0, e.delay(), "delay without ?delay=0: " + e.delaySource());
    }
  }

  static void assumePythonTorch() throws Exception {
    Process probe = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").start();
    assumeTrue(
        probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0,
        "python3 with torch is not installed (apt-get install python3-torch)");
  }

  static void writeFloats(Path f, float[] x) throws Exception {
    ByteBuffer bb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : x) {
      bb.putFloat(v);
    }
    Files.write(f, bb.array());
  }

  static float[] readFloats(Path f) throws Exception {
    ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
    float[] flat = new float[got.remaining() / 4];
    got.asFloatBuffer().get(flat);
    return flat;
  }

  static String runPython(String script, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(PYTHON, "-c", script));
    cmd.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python did not finish");
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("ok"), log);
    return log;
  }

  /** Python's torch (1.13 on Debian) runs the streaming export in chunks, with the same means. */
  @Test
  void pythonTorchStreamsTheStreamingExport() throws Exception {
    assumePythonTorch();
    exportLive();
    int hop = live.hop();
    int d = live.latentSize();
    float[] x = signal(8 * hop, 12);
    Path in = tmp.resolve("live.f32");
    Path out = tmp.resolve("live-mean.f32");
    writeFloats(in, x);
    String script =
        String.join(
            "\n",
            "import sys, numpy as np, torch",
            "m = torch.jit.load(sys.argv[1]).eval()",
            "a = torch.from_numpy(np.fromfile(sys.argv[2], dtype='<f4')).reshape(1, 1, -1)",
            "hop = " + hop,
            "mus = []",
            "with torch.no_grad():",
            "    at = 0",
            "    for c in [2, 1, 5]:",
            "        h = m.pqmf(a[:, :, at * hop:(at + c) * hop])",
            "        mus.append(m.encoder(h)[:, :m.full_latent_size])",
            "        at += c",
            "    z = m.encode(a[:, :, :hop])",
            "    assert tuple(z.shape) == (1, " + d + ", 1), z.shape",
            "    y = m.decode(z)",
            "    assert tuple(y.shape) == (1, 1, hop), y.shape",
            "torch.cat(mus, 2).contiguous().numpy().astype('<f4').tofile(sys.argv[3])",
            "print('ok', torch.__version__)",
            "");
    runPython(script, liveFile.toString(), in.toString(), out.toString());
    assertClose(live.encodeMean(x), readFloats(out), 8, "Python streamed means");
  }

  /** With a PCA: the buffers are RAVE's, and mvgen's loader gives the projected means. */
  @Test
  void aPcaIsExportedAsRavesLatentPca() throws Exception {
    int d = model.latentSize();
    float[][] rows = new float[40][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = model.encodeMean(signal(model.hop(), 100 + i))[0];
    }
    org.mvgen.encoder.Pca pca = org.mvgen.encoder.Pca.fit(rows, d);
    Path f = tmp.resolve("pca.ts");
    TorchScriptExport.write(model, pca, false, f);
    float[][] means = model.encodeMean(audio);
    float[][] expected = new float[means.length][d];
    for (int n = 0; n < means.length; n++) {
      pca.project(means[n], 0, expected[n], 0);
    }
    try (RaveModel m = RaveModel.load(f, 1);
        PointerScope scope = new PointerScope()) {
      JitModule j = m.fresh();
      float[] fid = Torch.floats(Torch.tensorOf(j.attr("fidelity")));
      assertEquals(d, fid.length);
      assertEquals(1.0, fid[d - 1], 1e-4);
      for (int i = 1; i < d; i++) {
        assertTrue(fid[i] >= fid[i - 1], "fidelity is cumulative");
      }
      Tensor z = m.mean(j, audio);
      assertClose(expected, Torch.floats(z.contiguous()), means.length, "PCA-projected mean");
    }
  }

  /**
   * A config with the noise branch and without amplitude modulation: the export decodes as the
   * model does (same seed, so the same uniform noise), and runs end to end.
   */
  @Test
  void noiseBranchExportsAndRuns() throws Exception {
    RaveConfig c =
        RaveConfig.named("tiny").toBuilder()
            .noise(true)
            .noiseBands(3)
            .amplitudeModulation(false)
            .build();
    torch.manual_seed(6);
    Path f = tmp.resolve("noise.ts");
    try (RaveNet net = new RaveNet(c, true);
        RaveAutoencoder m = RaveAutoencoder.of(net)) {
      TorchScriptExport.write(m, f);
      float[] x = signal(4 * m.hop(), 13);
      try (PointerScope scope = new PointerScope()) {
        JitModule j = torch.load(f.toString());
        j.eval();
        Tensor y =
            Torch.tensorOf(
                j.forward(new IValueVector(new IValue(Torch.tensor(x, 1, 1, x.length)))));
        assertEquals(x.length, y.size(2));
        float[] v = Torch.floats(y.contiguous());
        for (float e : v) {
          assertTrue(Float.isFinite(e) && Math.abs(e) <= 1.5f, "sample " + e);
        }
        float[][] z = m.encodeMean(x);
        torch.manual_seed(21);
        float[] want = m.decode(z);
        torch.manual_seed(21);
        float[] flat = new float[z.length * z[0].length];
        for (int n = 0; n < z.length; n++) {
          for (int k = 0; k < z[0].length; k++) {
            flat[k * z.length + n] = z[n][k];
          }
        }
        Tensor zt = Torch.tensor(flat, 1, z[0].length, z.length);
        float[] got =
            Torch.floats(
                Torch.tensorOf(j.get_method("decode").apply(new IValueVector(new IValue(zt))))
                    .contiguous());
        assertEquals(want.length, got.length);
        for (int i = 0; i < got.length; i++) {
          assertEquals(want[i], got[i], 1e-4, "decoded sample " + i + " (with noise)");
        }
      }
    }
  }

  @Test
  void streamingNeedsACausalConfig() {
    org.mvgen.MvgenException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            org.mvgen.MvgenException.class,
            () -> TorchScriptExport.write(model, null, true, tmp.resolve("no.ts")));
    assertTrue(e.getMessage().contains("not causal"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("no.ts")));
  }

  static void assertClose(float[][] expected, float[] flatKn, int frames, String what) {
    int d = expected[0].length;
    double err = 0;
    double norm = 0;
    for (int n = 0; n < frames; n++) {
      for (int k = 0; k < d; k++) {
        double e = expected[n][k];
        double g = flatKn[k * frames + n];
        err = Math.max(err, Math.abs(e - g));
        norm = Math.max(norm, Math.abs(e));
      }
    }
    assertTrue(norm > 0, what + ": the means are all zero");
    assertTrue(err <= 1e-5 * norm, what + ": max error " + err + " for max |mean| " + norm);
  }

  @Test
  void mvgensLoaderGivesTheSameMeans() throws Exception {
    float[][] expected = model.encodeMean(audio);
    try (RaveModel m = RaveModel.load(file, 1)) {
      assertEquals(model.sampleRate(), m.sampleRate());
      assertEquals(model.hop(), m.hop());
      assertEquals(model.latentSize(), m.latentSize());
      assertEquals(model.latentSize(), m.fullLatentSize());
      assertEquals(RaveModel.InputMode.PQMF, m.inputMode());
      assertEquals(1, m.channels());
      assertTrue(m.canMean(), m.whyNoMean());
      assertFalse(m.discrete());
      try (PointerScope scope = new PointerScope()) {
        JitModule j = m.fresh();
        Tensor z = m.mean(j, audio);
        assertEquals(3, z.dim());
        assertEquals(expected.length, z.size(2));
        assertClose(expected, Torch.floats(z.contiguous()), expected.length, "RaveModel mean");
        // The export's own methods: shapes, and a decode that is the model's decode.
        Tensor x = Torch.tensor(audio, 1, 1, audio.length);
        Tensor e = Torch.tensorOf(j.get_method("encode").apply(new IValueVector(new IValue(x))));
        assertEquals(model.latentSize(), e.size(1));
        assertEquals(expected.length, e.size(2));
        Tensor y = Torch.tensorOf(j.get_method("decode").apply(new IValueVector(new IValue(z))));
        float[] want = model.decode(expected);
        float[] got = Torch.floats(y.contiguous());
        assertEquals(want.length, got.length);
        for (int i = 0; i < got.length; i++) {
          assertEquals(want[i], got[i], 1e-4, "decoded sample " + i);
        }
        Tensor f = Torch.tensorOf(j.forward(new IValueVector(new IValue(x))));
        assertEquals(audio.length, f.size(2));
      }
    }
  }

  @Test
  void pythonTorchLoadsItAndGivesTheSameMeans() throws Exception {
    Process probe = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").start();
    assumeTrue(
        probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0,
        "python3 with torch is not installed (apt-get install python3-torch)");
    Path in = tmp.resolve("audio.f32");
    Path out = tmp.resolve("mean.f32");
    ByteBuffer bb = ByteBuffer.allocate(4 * audio.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : audio) {
      bb.putFloat(v);
    }
    Files.write(in, bb.array());
    int hop = model.hop();
    int d = model.latentSize();
    String script =
        String.join(
            "\n",
            "import sys, numpy as np, torch",
            "m = torch.jit.load(sys.argv[1]).eval()",
            "a = torch.from_numpy(np.fromfile(sys.argv[2], dtype='<f4')).reshape(1, 1, -1)",
            "T = a.shape[2]",
            "for n in ['sr', 'latent_size', 'full_latent_size', 'n_channels', 'input_mode',",
            "          'encode_params', 'decode_params', 'forward_params', 'latent_pca',",
            "          'latent_mean', 'fidelity', 'pqmf', 'encoder', 'decoder']:",
            "    assert hasattr(m, n), n",
            "assert m.sr == " + model.sampleRate() + ", m.sr",
            "assert m.input_mode == 'pqmf'",
            "assert m.encode_params.tolist() == [1, 1, " + d + ", " + hop + "]",
            "assert m.decode_params.tolist() == [" + d + ", " + hop + ", 1, 1]",
            "assert set(m.get_methods()) >= {'encode', 'decode', 'forward'}",
            "with torch.no_grad():",
            "    z = m.encode(a)",
            "    assert tuple(z.shape) == (1, " + d + ", T // " + hop + "), z.shape",
            "    y = m.decode(z)",
            "    assert tuple(y.shape) == (1, 1, T), y.shape",
            "    y = m.forward(a)",
            "    assert tuple(y.shape) == (1, 1, T), y.shape",
            "    y = m.decode(z[:, :" + (d / 2) + "])",
            "    assert tuple(y.shape) == (1, 1, T), y.shape",
            "    h = m.encoder(m.pqmf(a))[:, :m.full_latent_size]",
            "    mu = (m.latent_pca @ (h - m.latent_mean.unsqueeze(-1)))[:, :m.latent_size]",
            "mu.contiguous().numpy().astype('<f4').tofile(sys.argv[3])",
            "print('ok', torch.__version__)",
            "");
    Process p =
        new ProcessBuilder(PYTHON, "-c", script, file.toString(), in.toString(), out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python did not finish");
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("ok"), log);
    float[][] expected = model.encodeMean(audio);
    ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
    float[] flat = new float[got.remaining() / 4];
    got.asFloatBuffer().get(flat);
    assertEquals(expected.length * d, flat.length);
    assertClose(expected, flat, expected.length, "Python mean");
  }
}
