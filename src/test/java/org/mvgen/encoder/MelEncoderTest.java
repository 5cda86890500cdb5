package org.mvgen.encoder;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.config.Config;

class MelEncoderTest {
  static final int SR = 44100;

  static float[] sine(double hz, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / SR));
    }
    return x;
  }

  static MelEncoder mel(int hop) {
    return new MelEncoder(new MelEncoder.Params(SR, 2048, hop, 64, 30, 16000), null);
  }

  static int argmax(float[] v) {
    int b = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[b]) {
        b = i;
      }
    }
    return b;
  }

  @Test
  void sinePeaksInTheBandOfItsFrequency() {
    MelEncoder enc = mel(1764);
    for (double hz : new double[] {200, 1000, 5000}) {
      float[][] z = enc.encode(sine(hz, SR));
      float[] last = z[z.length - 1];
      // Band centres are evenly spaced in mel between fmin and fmax.
      double lo = MelFeatures.hzToMel(30);
      double hi = MelFeatures.hzToMel(16000);
      int expected = (int) Math.round((MelFeatures.hzToMel(hz) - lo) / (hi - lo) * 65) - 1;
      assertTrue(Math.abs(argmax(last) - expected) <= 1, hz + " Hz peaks in " + argmax(last));
    }
  }

  @Test
  void encodeCountsLatentsAndPadsTheLastHop() {
    MelEncoder enc = mel(1764);
    assertEquals(0, enc.encode(new float[0]).length);
    assertEquals(1, enc.encode(new float[1]).length);
    assertEquals(1, enc.encode(new float[1764]).length);
    assertEquals(2, enc.encode(new float[1765]).length);
    assertEquals(64, enc.encode(new float[5000])[0].length);
  }

  @Test
  void latentNDescribesTheWindowEndingAtItsTime() {
    MelEncoder enc = mel(1000);
    float[] x = new float[10_000];
    Random r = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[][] z = enc.encode(x);
    float[] w = new float[2048];
    float[] d = new float[64];
    for (int n = 0; n < z.length; n++) {
      int end = (n + 1) * 1000;
      java.util.Arrays.fill(w, 0);
      for (int i = 0; i < 2048; i++) {
        int s = end - 2048 + i;
        w[i] = s >= 0 && s < x.length ? x[s] : 0;
      }
      enc.encodeWindow(w, 0, d, 0);
      assertArrayEquals(d, z[n], 1e-5f, "latent " + n);
    }
    // A click at sample 4500 appears first in latent 4 (ends at 5000), not before.
    float[] click = new float[10_000];
    click[4500] = 1;
    float[][] c = enc.encode(click);
    assertTrue(c[3][10] < -13, "latent 3 still silent");
    assertTrue(c[4][10] > -13, "latent 4 hears the click");
  }

  @Test
  void sessionMatchesEncodeWithAnyBlockSizes() throws Exception {
    MelEncoder enc = mel(512);
    float[] x = sine(440, 9000);
    float[][] whole = enc.encode(x);
    AudioEncoder.Session s = enc.openSession();
    java.util.List<float[]> got = new java.util.ArrayList<>();
    int[] blocks = {1, 100, 511, 2048, 7, 3000};
    int off = 0;
    for (int i = 0; off < x.length; i++) {
      int len = Math.min(blocks[i % blocks.length], x.length - off);
      got.addAll(java.util.List.of(s.push(x, off, len)));
      off += len;
    }
    assertEquals(x.length / 512, got.size());
    for (int n = 0; n < got.size(); n++) {
      assertArrayEquals(whole[n], got.get(n), 1e-5f);
    }
    s.reset();
    float[][] again = s.push(x, 0, 512);
    assertArrayEquals(whole[0], again[0], 1e-5f);
  }

  @Test
  void pcaProjectsAndChangesTheId(@TempDir Path dir) throws Exception {
    MelEncoder enc = mel(1764);
    Random r = new Random(1);
    float[] x = new float[SR * 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (1 + Math.sin(i / 3000.0)));
    }
    float[][] f = enc.encode(x);
    Pca pca = Pca.fit(f, 8);
    assertEquals(8, pca.dim());
    assertTrue(pca.explained()[0] >= pca.explained()[1]);
    for (int a = 0; a < 8; a++) {
      for (int b = 0; b < 8; b++) {
        double dot = 0;
        for (int i = 0; i < 64; i++) {
          dot += pca.components()[a][i] * pca.components()[b][i];
        }
        assertEquals(a == b ? 1 : 0, dot, 1e-4, "orthonormal " + a + "," + b);
      }
    }
    Path file = dir.resolve("pca.npy");
    org.mvgen.dataset.Npy.writeFloat32(file, pca.toMatrix(), 9, 64);
    Config c = Config.defaults();
    try (AudioEncoder withPca = Encoders.open("mel?pca=" + file, c)) {
      assertEquals(8, withPca.latentSize());
      assertNotEquals(Encoders.open("mel", c).id(), withPca.id());
      assertTrue(withPca.id().startsWith("mel-64-pca8-"), withPca.id());
      float[][] z = withPca.encode(x);
      float[] expect = new float[8];
      pca.project(f[5], 0, expect, 0);
      assertArrayEquals(expect, z[5], 1e-3f);
    }
    Pca other = Pca.fit(java.util.Arrays.copyOf(f, 20), 8);
    assertNotEquals(MelEncoder.makeId(enc.params(), pca), MelEncoder.makeId(enc.params(), other));
  }

  @Test
  void specsParseAndBadSpecsSayWhatToDo() throws Exception {
    Config c = Config.defaults();
    AudioEncoder m = Encoders.open("mel", c);
    assertEquals(1764, m.hop());
    assertEquals(64, m.latentSize());
    assertEquals(m.id(), Encoders.open("mel", c).id(), "ids are stable");
    assertNotEquals(m.id(), Encoders.open("mel?hop=2048", c).id());
    assertEquals(80, Encoders.open("mel?bands=80", c).latentSize());
    EncoderSpec s = EncoderSpec.parse("rave:dir/a b.ts?mode=sample");
    assertEquals("rave", s.kind());
    assertEquals("dir/a b.ts", s.path());
    assertEquals("sample", s.options().get("mode"));
    EncoderException e = assertThrows(EncoderException.class, () -> Encoders.open("wav2vec", c));
    assertTrue(e.getMessage().contains("mel"), e.getMessage());
    e = assertThrows(EncoderException.class, () -> Encoders.open("mel?pca=16", c));
    assertTrue(e.getMessage().contains("mvgen encode"), e.getMessage());
    e = assertThrows(EncoderException.class, () -> Encoders.open("mel?colour=red", c));
    assertTrue(e.getMessage().contains("bands"), e.getMessage());
  }

  /** A PCA fitted on noise whose loudness varies, so that its components are all distinct. */
  static Pca fittedPca(MelEncoder enc, int dim) {
    Random r = new Random(1);
    float[] x = new float[SR * 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (1 + Math.sin(i / 3000.0)));
    }
    return Pca.fit(enc.encode(x), dim);
  }

  @Test
  void thePortableEncoderOpensTheSameEncoderUnderAnotherConfigWithoutFiles(@TempDir Path dir)
      throws Exception {
    Config c = Config.defaults();
    MelEncoder base = (MelEncoder) Encoders.open("mel?hop=1000", c);
    Pca pca = fittedPca(base, 4);
    MelEncoder enc = base.withPca(pca, "mel?pca=latents/x/pca.npy");
    PortableEncoder p = enc.portable();
    assertEquals(
        "mel?sr=44100&window=2048&hop=1000&bands=64&fmin=30.0&fmax=16000.0&pca=pca.npy", p.spec());
    assertEquals(java.util.Set.of("pca.npy"), p.files().keySet());
    // Another machine: other audio and mel settings, another working directory, no PCA file.
    Config other =
        c.with("audio.sample_rate", 8000L, "test")
            .with("audio.window", 640L, "test")
            .with("encoder.mel_bands", 32L, "test")
            .with("encoder.mel_fmax", 3000.0, "test");
    try (AudioEncoder again = Encoders.open(p, other, dir)) {
      assertEquals(enc.id(), again.id());
      Pca back = ((MelEncoder) again).pca();
      assertArrayEquals(pca.mean(), back.mean(), "the mean, bit for bit");
      for (int d = 0; d < pca.dim(); d++) {
        assertArrayEquals(pca.components()[d], back.components()[d], "component " + d);
      }
      float[] x = sine(440, 5000);
      assertArrayEquals(enc.encode(x), again.encode(x));
    }
    PortableEncoder plain = base.portable();
    assertTrue(plain.files().isEmpty());
    try (AudioEncoder again = Encoders.open(plain, other, dir)) {
      assertEquals(base.id(), again.id());
    }
    // RAVE specs keep their path: the model file stays outside.
    PortableEncoder rave = Encoders.portable("rave:models/v.ts?mode=mean", c, dir);
    assertEquals("rave:models/v.ts?mode=mean", rave.spec());
    assertTrue(rave.files().isEmpty());
  }
}
