package org.mvgen.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;
import org.mvgen.dataset.Npy;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.Encoders;
import org.mvgen.encoder.MelEncoder;
import org.mvgen.encoder.Pca;
import org.mvgen.encoder.PortableEncoder;
import org.mvgen.torch.Torch;
import org.mvgen.util.Progress;

class DecoderBundleTest {
  @TempDir static Path tmp;
  static Path bundle;
  static final int N = 20;

  @BeforeAll
  static void train() throws Exception {
    InMemoryPairs train = Synthetic.pairs(16, 16);
    org.mvgen.train.decoder.TrainResult r =
        org.mvgen.train.decoder.DecoderTraining.run(
            Synthetic.config(train, null, tmp.resolve("run"), 12, 8, false), Progress.SILENT);
    bundle = r.bundle();
  }

  static float[] latents() {
    float[] z = new float[N * Synthetic.LATENT];
    for (int k = 0; k < N; k++) {
      System.arraycopy(Synthetic.latent(k + 100), 0, z, k * Synthetic.LATENT, Synthetic.LATENT);
    }
    return z;
  }

  @Test
  void roundTripsAndGeneratesTheSameInBatchesAsAlone() throws Exception {
    DecoderBundle info = DecoderBundle.read(bundle);
    assertEquals(Synthetic.spec(16), info.spec());
    assertEquals(Synthetic.ENCODER, info.encoderId());
    assertEquals(12L, ((Number) info.training().get("stepsDone")).longValue());
    float[] z = latents();
    int fb = 16 * 16 * 3;
    byte[] batch = new byte[N * fb];
    try (Decoder g = DecoderBundle.load(bundle, Synthetic.ENCODER)) {
      assertEquals(Synthetic.LATENT, g.latentSize());
      assertEquals(16, g.frameSize());
      g.generate(z, N, batch);
      byte[] one = new byte[fb];
      for (int k = 0; k < N; k++) {
        float[] zk = java.util.Arrays.copyOfRange(z, k * 4, k * 4 + 4);
        g.generate(zk, 1, one);
        for (int i = 0; i < fb; i++) {
          int d = Math.abs((one[i] & 0xff) - (batch[k * fb + i] & 0xff));
          assertTrue(d <= 1, "frame " + k + " byte " + i + " differs by " + d);
        }
      }
    }
    // A second load generates exactly the same frames: the weights round-trip.
    byte[] again = new byte[N * fb];
    try (Decoder g = DecoderBundle.load(bundle)) {
      g.generate(z, N, again);
    }
    assertTrue(java.util.Arrays.equals(batch, again));
  }

  @Test
  void fastInferenceMatchesTheTrainingNetwork() throws Exception {
    float[] z = latents();
    int fb = 16 * 16 * 3;
    byte[] reference = new byte[N * fb];
    byte[] fp32 = new byte[N * fb];
    byte[] bf16 = new byte[N * fb];
    try (Decoder g = DecoderBundle.load(bundle, null, "float32")) {
      float[] zn = z.clone();
      g.bundle().norm().apply(zn, 0, N);
      try (var guard = new org.bytedeco.pytorch.NoGradGuard();
          Tensor y = g.net().forward(Torch.tensor(zn, N, Synthetic.LATENT))) {
        Torch.copy(Decoder.toBytes(y), reference, 0);
      }
      g.generate(z, N, fp32);
      assertEquals("FLOAT32", g.precision());
    }
    try (Decoder g = DecoderBundle.load(bundle, null, "bfloat16")) {
      g.generate(z, N, bf16);
    }
    long sum = 0;
    for (int i = 0; i < reference.length; i++) {
      int d32 = Math.abs((reference[i] & 0xff) - (fp32[i] & 0xff));
      assertTrue(d32 <= 1, "float32 batch-norm folding changed byte " + i + " by " + d32);
      int d16 = Math.abs((reference[i] & 0xff) - (bf16[i] & 0xff));
      assertTrue(d16 <= 24, "bfloat16 changed byte " + i + " by " + d16);
      sum += d16;
    }
    assertTrue(
        sum / (double) reference.length < 3,
        "bfloat16 mean error " + sum / (double) reference.length);
  }

  @Test
  void carriesTheEncodersFilesAndKeepsThePcaExactly() throws Exception {
    Random r = new Random(3);
    float[][] features = new float[50][16];
    for (float[] row : features) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) (r.nextGaussian() * (i + 1));
      }
    }
    Pca pca = Pca.fit(features, Synthetic.LATENT);
    MelEncoder mel =
        new MelEncoder(new MelEncoder.Params(8000, 640, 320, 16, 30, 4000), null)
            .withPca(pca, "mel?bands=16&pca=latents/x/pca.npy");
    PortableEncoder p = mel.portable();
    Path file = tmp.resolve("pca.mvgen");
    Torch.load();
    DecoderNet net = new DecoderNet(Synthetic.spec(16));
    try {
      new DecoderBundle(
              Synthetic.spec(16),
              mel.id(),
              p.spec(),
              p.files(),
              LatentNorm.identity(Synthetic.LATENT),
              Map.of())
          .write(file, net);
    } finally {
      net.close();
    }
    Map<String, byte[]> zip = DecoderBundle.readZip(file, "test");
    Npy.Array stored = Npy.read(zip.get("encoder/pca.npy"), "encoder/pca.npy");
    assertEquals(Synthetic.LATENT + 1, stored.rows(), "NumPy-readable [dim + 1, bands]");
    assertEquals(16, stored.cols());

    DecoderBundle b = DecoderBundle.read(file);
    assertEquals(p.spec(), b.encoderSpec());
    assertArrayEquals(p.files().get("pca.npy"), b.encoderFiles().get("pca.npy"));
    try (AudioEncoder e =
        Encoders.open(
            new PortableEncoder(b.encoderSpec(), b.encoderFiles()), Config.defaults(), tmp)) {
      assertEquals(mel.id(), e.id());
      Pca back = ((MelEncoder) e).pca();
      assertArrayEquals(pca.mean(), back.mean(), "the mean, bit for bit");
      for (int d = 0; d < pca.dim(); d++) {
        assertArrayEquals(pca.components()[d], back.components()[d], "component " + d);
      }
    }
    try (Decoder g = DecoderBundle.load(file, mel.id())) {
      assertEquals(Synthetic.LATENT, g.latentSize());
    }
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> DecoderBundle.load(file, "mel-64-abcdef"));
    assertTrue(e.getMessage().contains("Leave out --encoder"), e.getMessage());

    zip.remove("encoder/pca.npy");
    Path damaged = tmp.resolve("damaged.mvgen");
    DecoderBundle.writeZip(damaged, zip);
    e = assertThrows(ModelLoadException.class, () -> DecoderBundle.read(damaged));
    assertTrue(e.getMessage().contains("encoder/pca.npy"), e.getMessage());
  }

  @Test
  void otherEncoderIsAnErrorThatSaysSo() {
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> DecoderBundle.load(bundle, "mel-64-abcdef"));
    assertTrue(e.getMessage().contains("mel-64-abcdef"), e.getMessage());
    assertTrue(e.getMessage().contains(Synthetic.ENCODER), e.getMessage());
    assertThrows(ModelLoadException.class, () -> DecoderBundle.load(tmp.resolve("missing.mvgen")));
  }

  @Test
  void torchScriptExportLoadsBackWithTheSameOutputs() throws Exception {
    Path ts = tmp.resolve("decoder.pt");
    float[] z = latents();
    float[] expected;
    try (Decoder g = DecoderBundle.load(bundle)) {
      TorchScriptExport.export(g, ts);
      float[] zn = z.clone();
      g.bundle().norm().apply(zn, 0, N);
      try (Tensor y = g.net().forward(Torch.tensor(zn, N, Synthetic.LATENT))) {
        expected = Torch.floats(y);
      }
    }
    JitModule m = torch.load(ts.toString());
    m.eval();
    Tensor y =
        Torch.tensorOf(
            m.forward(new IValueVector(new IValue(Torch.tensor(z, N, Synthetic.LATENT)))));
    assertEquals(4, y.dim());
    float[] got = Torch.floats(y);
    assertEquals(expected.length, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected[i], got[i], 1e-5, "value " + i);
    }
    m.close();
  }

  /** Python's torch.jit.load runs the export (skipped where Python has no torch). */
  @Test
  void pythonTorchRunsTheExport() throws Exception {
    // Debian's python3-torch lives in the system Python, which a pyenv on PATH may hide.
    String python = Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Process probe = new ProcessBuilder(python, "-c", "import torch").start();
    assumeTrue(
        probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0,
        "python3 with torch is not installed (apt-get install python3-torch)");
    Path ts = tmp.resolve("decoder-py.pt");
    try (Decoder g = DecoderBundle.load(bundle)) {
      TorchScriptExport.export(g, ts);
    }
    Process p =
        new ProcessBuilder(
                python,
                "-c",
                "import torch,sys; m=torch.jit.load(sys.argv[1]); y=m(torch.zeros(3,4));"
                    + " print(tuple(y.shape), float(y.abs().max()) <= 1.0)",
                ts.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("(3, 3, 16, 16) True"), out);
    assertTrue(Files.size(ts) > 0);
  }
}
