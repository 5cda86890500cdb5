package org.mvgen.rave;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TupleElements;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.Encoders;
import org.mvgen.torch.Torch;

/** RAVE loading against fixtures built here; libtorch is loaded once for the whole class. */
class RaveEncoderTest {
  static final int HOP = 2048;
  @TempDir static Path dir;
  static final Map<String, Path> FILES = new java.util.HashMap<>();

  @BeforeAll
  static void writeFixtures() {
    for (RaveFixture.Version v : RaveFixture.Version.values()) {
      for (boolean st : new boolean[] {false, true}) {
        Path f = dir.resolve(v + (st ? "-streaming" : "") + ".ts");
        RaveFixture.write(RaveFixture.small(v, st, 11), f);
        FILES.put(v + (st ? "-streaming" : ""), f);
      }
    }
  }

  static RaveEncoder open(String key, RaveEncoder.Mode mode, int delay) throws EncoderException {
    return new RaveEncoder(RaveModel.load(FILES.get(key), 1), mode, "rave:" + key, delay);
  }

  static float[] noise(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.2 * r.nextGaussian());
    }
    return x;
  }

  static double maxDiff(float[][] a, float[][] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return m;
  }

  static double scale(float[][] a) {
    double m = 0;
    for (float[] r : a) {
      for (float v : r) {
        m = Math.max(m, Math.abs(v));
      }
    }
    return m;
  }

  @Test
  void readsWhatEachExportSaysAboutItself() throws Exception {
    for (String key : FILES.keySet()) {
      try (RaveModel m = RaveModel.load(FILES.get(key), 1)) {
        assertEquals(key.startsWith("V1") ? "v1" : "v2", m.version(), key);
        assertEquals(44100, m.sampleRate());
        assertEquals(8, m.latentSize());
        assertEquals(16, m.fullLatentSize());
        assertEquals(HOP, m.hop());
        assertTrue(m.hasEncode() && m.hasDecode() && m.hasForward() && m.canMean());
        assertEquals(key.endsWith("streaming"), m.streaming(), key + " streaming detected");
      }
    }
  }

  @Test
  void encodeGivesOneLatentPerHopAndPadsTheLastOne() throws Exception {
    try (RaveEncoder e = open("V2", RaveEncoder.Mode.MEAN, -1)) {
      assertEquals(0, e.encode(new float[0]).length);
      float[][] z = e.encode(noise(3 * HOP + 5, 1));
      assertEquals(4, z.length);
      assertEquals(8, z[3].length);
      assertEquals(0, e.delay());
      assertTrue(e.id().startsWith("rave-"), e.id());
    }
  }

  @Test
  void meanEqualsWhatTheModuleComputesAndIsDeterministic() throws Exception {
    float[] x = noise(8 * HOP, 2);
    // v2: the same mean written in TorchScript on the loaded module itself (conv1d, not matmul).
    try (RaveEncoder e = open("V2", RaveEncoder.Mode.MEAN, -1);
        PointerScope scope = new PointerScope()) {
      JitModule m = torch.load(FILES.get("V2").toString());
      m.define(
          "def ref_mean(self, x):\n"
              + "    z = self.encoder.forward(self.pqmf.forward(x))\n"
              + "    mean, scale = z.chunk(2, 1)\n"
              + "    z = mean - self.latent_mean.unsqueeze(-1)\n"
              + "    z = torch.conv1d(z, self.latent_pca.unsqueeze(-1))\n"
              + "    return z[:, :self.latent_size]\n");
      Tensor ref =
          Torch.tensorOf(
              m.get_method("ref_mean")
                  .apply(new IValueVector(new IValue(Torch.tensor(x, 1, 1, x.length)))));
      float[][] z = e.encode(x);
      float[] r = Torch.floats(ref);
      for (int n = 0; n < 8; n++) {
        for (int d = 0; d < 8; d++) {
          assertEquals(r[d * 8 + n], z[n][d], 1e-4 * (1 + Math.abs(r[d * 8 + n])), n + "," + d);
        }
      }
      assertEquals(0, maxDiff(z, e.encode(x)), "deterministic");
    }
    // v1: encode_amortized returns the mean before the PCA.
    try (RaveEncoder e = open("V1", RaveEncoder.Mode.MEAN, -1);
        PointerScope scope = new PointerScope()) {
      JitModule m = torch.load(FILES.get("V1").toString());
      TupleElements ms =
          m.get_method("encode_amortized")
              .apply(new IValueVector(new IValue(Torch.tensor(x, 1, 1, x.length))))
              .toTuple()
              .elements();
      Tensor mean = Torch.tensorOf(ms.get(0));
      Tensor pca = Torch.tensorOf(m.attr("latent_pca"));
      Tensor mu = Torch.tensorOf(m.attr("latent_mean")).reshape(-1, 1);
      float[] r = Torch.floats(pca.matmul(mean.sub(mu)).narrow(1, 0, 8));
      float[][] z = e.encode(x);
      for (int n = 0; n < 8; n++) {
        for (int d = 0; d < 8; d++) {
          assertEquals(r[d * 8 + n], z[n][d], 1e-4 * (1 + Math.abs(r[d * 8 + n])));
        }
      }
    }
  }

  @Test
  void samplingModeVariesAroundTheMean() throws Exception {
    float[] x = noise(4 * HOP, 3);
    float[][] mean;
    try (RaveEncoder e = open("V2", RaveEncoder.Mode.MEAN, -1)) {
      mean = e.encode(x);
    }
    try (RaveEncoder e = open("V2", RaveEncoder.Mode.SAMPLE, -1)) {
      assertTrue(e.id().endsWith("-sample"));
      float[][] a = e.encode(x);
      float[][] b = e.encode(x);
      assertTrue(maxDiff(a, b) > 1e-3, "two calls differ");
      float[][] avg = new float[a.length][a[0].length];
      int k = 40;
      for (int i = 0; i < k; i++) {
        float[][] s = e.encode(x);
        for (int n = 0; n < s.length; n++) {
          for (int d = 0; d < s[n].length; d++) {
            avg[n][d] += s[n][d] / k;
          }
        }
      }
      assertTrue(maxDiff(avg, mean) < maxDiff(a, mean), "samples average towards the mean");
    }
  }

  @Test
  void chunksGiveTheSameLatentsAsOnePass() throws Exception {
    int frames = RaveEncoder.CHUNK + 30;
    float[] x = noise(frames * HOP, 4);
    try (RaveEncoder e = open("V2", RaveEncoder.Mode.MEAN, -1);
        PointerScope scope = new PointerScope()) {
      float[][] z = e.encode(x);
      float[] one = Torch.floats(e.model().mean(e.model().fresh(), x));
      float[][] ref = new float[frames][8];
      for (int n = 0; n < frames; n++) {
        for (int d = 0; d < 8; d++) {
          ref[n][d] = one[d * frames + n];
        }
      }
      assertTrue(maxDiff(z, ref) < 1e-4 * scale(ref), "max diff " + maxDiff(z, ref));
    }
  }

  @Test
  void streamingExportsLineUpWithTheOfflineGridOnceTheDelayIsCompensated() throws Exception {
    for (RaveFixture.Version v : RaveFixture.Version.values()) {
      int exact = RaveFixture.streamingDelay(RaveFixture.small(v, true, 11));
      float[] x = noise(20 * HOP + 300, 5);
      // Equal except within the receptive field of either end of the signal: the offline export
      // zero-pads every layer there, while the delayed stream computes those activations from the
      // audio (and, in v1, from BatchNorm's shift). Measured: frames 4 .. n-4 agree exactly.
      int from = 4;
      float[][] offline;
      try (RaveEncoder e = open(v.toString(), RaveEncoder.Mode.MEAN, -1)) {
        offline = e.encode(x);
      }
      try (RaveEncoder s = open(v + "-streaming", RaveEncoder.Mode.MEAN, exact)) {
        assertEquals(exact, s.delay());
        float[][] z = s.encode(x);
        assertEquals(offline.length, z.length);
        double diff = maxDiff(middle(z, from), middle(offline, from));
        assertTrue(diff < 1e-3 * scale(offline), v + " diff " + diff);
        // A session fed in odd blocks gives the same latents, delay() samples late.
        AudioEncoder.Session session = s.openSession();
        java.util.List<float[]> got = new java.util.ArrayList<>();
        float[] padded = java.util.Arrays.copyOf(x, x.length + exact + HOP);
        int[] blocks = {1000, 2048, 5000, 77, 4096};
        for (int off = 0, i = 0; off < padded.length; i++) {
          int len = Math.min(blocks[i % blocks.length], padded.length - off);
          got.addAll(java.util.List.of(session.push(padded, off, len)));
          off += len;
        }
        assertTrue(got.size() >= offline.length, "session emitted " + got.size());
        float[][] g = got.subList(0, offline.length).toArray(new float[0][]);
        assertTrue(maxDiff(g, z) < 1e-4 * scale(offline), "session " + maxDiff(g, z));
        session.reset();
        float[][] again = session.push(padded, 0, exact + 2 * HOP);
        assertArrayEquals(g[0], again[0], 1e-3f * (float) scale(offline), "reset");
      }
      // Without a given delay it is computed from the file's cached convolutions: exact; the
      // compensated stream then matches the offline latents best with no frame offset.
      try (RaveEncoder s = open(v + "-streaming", RaveEncoder.Mode.MEAN, -1)) {
        assertEquals(RaveEncoder.DelaySource.FILE, s.delaySource());
        assertEquals(exact, s.delay(), v + " delay from the file");
        float[][] z = s.encode(x);
        double best = Double.MAX_VALUE;
        int bestLag = 99;
        for (int lag = -2; lag <= 2; lag++) {
          double err = 0;
          for (int n = 6; n < offline.length - 6; n++) {
            for (int d = 0; d < 8; d++) {
              double e = z[n + lag][d] - offline[n][d];
              err += e * e;
            }
          }
          if (err < best) {
            best = err;
            bestLag = lag;
          }
        }
        assertEquals(0, bestLag, v + " stream vs offline frame offset");
      }
      // A click: the compensated stream responds in the same frames, as much, as offline.
      try (RaveEncoder s = open(v + "-streaming", RaveEncoder.Mode.MEAN, exact);
          RaveEncoder e = open(v.toString(), RaveEncoder.Mode.MEAN, -1)) {
        float[] click = new float[16 * HOP];
        click[9 * HOP + 700] = 1;
        float[] silence = new float[click.length];
        double[] es = energies(s.encode(click), s.encode(silence));
        double[] eo = energies(e.encode(click), e.encode(silence));
        int first = 0;
        while (eo[first] == 0) {
          first++;
        }
        assertTrue(first > 4 && eo[9] > 0, "offline response starts at frame " + first);
        for (int n = 4; n < 12; n++) {
          assertEquals(eo[n], es[n], 1e-3 * eo[9], "frame " + n);
        }
        assertEquals(strongest(eo), strongest(es));
      }
    }
  }

  @Test
  void encodesADatasetAtAnotherSampleRate(@TempDir Path data) throws Exception {
    org.mvgen.encoder.DatasetEncodingTest.makeDataset(data); // 8000 Hz
    RaveFixture.Spec spec = RaveFixture.small(RaveFixture.Version.V2, false, 3);
    Path model = data.resolve("r16k.ts");
    RaveFixture.write(
        new RaveFixture.Spec(
            spec.version(),
            false,
            16000,
            spec.bands(),
            spec.pqmfTaps(),
            spec.capacity(),
            spec.strides(),
            spec.dilations(),
            spec.fullLatentSize(),
            spec.latentSize(),
            3),
        model);
    try (org.mvgen.dataset.Dataset ds = org.mvgen.dataset.Dataset.open(data)) {
      var r =
          org.mvgen.encoder.DatasetEncoding.run(
              ds, "rave:" + model, Config.defaults(), org.mvgen.util.Progress.SILENT);
      assertEquals(8, r.record().dim());
      assertEquals(16000, r.record().info().get("sample_rate"));
      assertEquals(8000, r.record().info().get("resampled_from"));
      var z = ds.latents(r.record().id());
      // 25 fps at 8 kHz: frame k ends at 320 k, i.e. 640 k at 16 kHz; hop 2048 gives a new latent
      // every 3.2 frames, and pair k holds latent floor(640 k / 2048).
      assertArrayEquals(z.row(3), z.row(2), "pairs 2 and 3 share latent 0");
      assertFalse(java.util.Arrays.equals(z.row(3), z.row(4)), "pair 4 has latent 1");
    }
  }

  static float[][] middle(float[][] z, int margin) {
    return java.util.Arrays.copyOfRange(z, margin, z.length - margin);
  }

  static double[] energies(float[][] z, float[][] base) {
    double[] out = new double[z.length];
    for (int n = 0; n < z.length; n++) {
      for (int d = 0; d < z[n].length; d++) {
        out[n] += (z[n][d] - base[n][d]) * (z[n][d] - base[n][d]);
      }
    }
    return out;
  }

  static int strongest(double[] e) {
    int best = 0;
    for (int n = 1; n < e.length; n++) {
      if (e[n] > e[best]) {
        best = n;
      }
    }
    return best;
  }

  @Test
  void badFilesGetMessagesThatSayWhatToDo() throws Exception {
    Config c = Config.defaults();
    EncoderException e =
        assertThrows(
            EncoderException.class, () -> Encoders.open("rave:" + dir.resolve("no.ts"), c));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

    Path wav = dir.resolve("song.ts");
    Files.write(wav, "RIFF....WAVEfmt ".getBytes());
    e = assertThrows(EncoderException.class, () -> Encoders.open("rave:" + wav, c));
    assertTrue(e.getMessage().contains("not a TorchScript file"), e.getMessage());

    Path cut = dir.resolve("cut.ts");
    byte[] all = Files.readAllBytes(FILES.get("V2"));
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    e = assertThrows(EncoderException.class, () -> Encoders.open("rave:" + cut, c));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());

    Path newer = dir.resolve("newer.ts");
    rewriteVersion(FILES.get("V2"), newer, "11");
    e = assertThrows(EncoderException.class, () -> Encoders.open("rave:" + newer, c));
    assertTrue(e.getMessage().contains("newer PyTorch"), e.getMessage());

    Path plain = dir.resolve("plain.ts");
    try (PointerScope scope = new PointerScope()) {
      JitModule m = new JitModule(new QualifiedName("__torch__.Plain"));
      m.register_parameter("w", torch.randn(1, 1, 3), false);
      m.define("def forward(self, x):\n    return torch.conv1d(x, self.w)\n");
      m.save(plain.toString());
    }
    e = assertThrows(EncoderException.class, () -> Encoders.open("rave:" + plain, c));
    assertTrue(e.getMessage().contains("not a RAVE export"), e.getMessage());
    assertTrue(e.getMessage().contains("forward"), e.getMessage());

    e =
        assertThrows(
            EncoderException.class, () -> Encoders.open("rave:" + FILES.get("V2") + "?mode=x", c));
    assertTrue(e.getMessage().contains("mean or sample"), e.getMessage());
  }

  static void rewriteVersion(Path from, Path to, String version) throws IOException {
    try (ZipFile in = new ZipFile(from.toFile());
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
      for (ZipEntry e : java.util.Collections.list(in.entries())) {
        out.putNextEntry(new ZipEntry(e.getName()));
        if (e.getName().endsWith("/version")) {
          out.write(version.getBytes());
        } else {
          out.write(in.getInputStream(e).readAllBytes());
        }
        out.closeEntry();
      }
    }
  }
}
