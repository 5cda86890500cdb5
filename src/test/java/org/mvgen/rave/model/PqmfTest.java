package org.mvgen.rave.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mvgen.media.MediaReader;
import org.mvgen.torch.Torch;

/** PQMF design and analysis + synthesis on music: at least 50 dB SNR after the known delay. */
class PqmfTest {
  /** A track of Debian's wesnoth-1.16-music package (real music, free licence). */
  static final Path WESNOTH =
      Path.of("/usr/share/games/wesnoth/1.16/data/core/music/elvish-theme.ogg");

  static PqmfDesign design;

  @BeforeAll
  static void load() throws Exception {
    Torch.load();
    design = PqmfDesign.design(16, 100);
  }

  @Test
  void theDesignMatchesTheKnownPrototype() {
    // RAVE's notes: 16 bands at 100 dB give 377 taps, wc about 0.1075 rad, beta about 10.06.
    assertEquals(10.06, design.beta(), 0.01);
    assertEquals(0.1075, design.cutoff(), 0.002);
    assertEquals(377, design.designedTaps(), 4);
    assertEquals(0, design.order() % 32);
    assertEquals(design.order() / 16 + 1, design.synthesisTaps());
    double[] h = design.prototype();
    for (int i = 0; i < h.length; i++) {
      assertEquals(h[i], h[h.length - 1 - i], 1e-15, "prototype is symmetric");
    }
    // The criterion the search minimised is small: near-perfect reconstruction.
    assertTrue(PqmfDesign.criterion(h, 16) < 1e-4, "criterion " + PqmfDesign.criterion(h, 16));
  }

  @Test
  void syntheticMusicRoundTripsAbove50dB() {
    float[] music = synthMusic(44_100, 6 * 44_100 / 16 * 16, 7);
    for (boolean causal : new boolean[] {false, true}) {
      double snr = roundTripSnr(music, causal);
      assertTrue(snr >= 50, (causal ? "causal" : "centred") + " SNR " + snr + " dB");
    }
  }

  @Test
  void realMusicRoundTripsAbove50dB() throws Exception {
    assumeTrue(
        Files.isReadable(WESNOTH),
        "no real music file: " + WESNOTH + " is absent (apt-get install wesnoth-1.16-music)");
    float[] music = decode(WESNOTH, 44_100, 20 * 44_100);
    music = Arrays.copyOf(music, music.length / 16 * 16);
    double rms = 0;
    for (float v : music) {
      rms += v * v;
    }
    assumeTrue(rms > 0, WESNOTH + " decoded to silence");
    for (boolean causal : new boolean[] {false, true}) {
      double snr = roundTripSnr(music, causal);
      assertTrue(snr >= 50, (causal ? "causal" : "centred") + " SNR " + snr + " dB");
    }
  }

  /** SNR in dB of analysis + synthesis against the input delayed by the bank's known delay. */
  static double roundTripSnr(float[] x, boolean causal) {
    try (NoGradGuard g = new NoGradGuard();
        Pqmf pqmf = new Pqmf(design, causal)) {
      Tensor in = Torch.tensor(x, 1, 1, x.length);
      Tensor bands = pqmf.analyse(in);
      assertEquals(16, bands.size(1));
      assertEquals(x.length / 16, bands.size(2));
      float[] y = Torch.floats(pqmf.synthesise(bands));
      assertEquals(x.length, y.length);
      int delay = pqmf.roundTripDelay();
      // Skip the edges (a filter length each side), where the zero padding is not music.
      int edge = design.order() + delay;
      double sig = 0;
      double err = 0;
      for (int i = edge; i < x.length - edge; i++) {
        double e = y[i] - x[i - delay];
        sig += (double) x[i - delay] * x[i - delay];
        err += e * e;
      }
      return 10 * Math.log10(sig / err);
    }
  }

  /**
   * Synthetic music: a bass line, chords of harmonic tones with decaying envelopes, and noise
   * bursts (hi-hats) on a tempo grid; broad-band like real music.
   */
  static float[] synthMusic(int sr, int n, long seed) {
    Random rnd = new Random(seed);
    float[] out = new float[n];
    int beat = sr / 2;
    double[] roots = {110, 146.83, 130.81, 98};
    for (int i = 0; i < n; i++) {
      int b = i / beat;
      double t = (i % beat) / (double) sr;
      double root = roots[(b / 4) % roots.length];
      double env = Math.exp(-3 * t);
      double v = 0.3 * env * Math.sin(2 * Math.PI * root * i / sr);
      for (double ratio : new double[] {2, 2.5198, 2.9966}) {
        for (int h = 1; h <= 6; h++) {
          v += 0.05 / h * env * Math.sin(2 * Math.PI * root * ratio * h * i / sr + h);
        }
      }
      double hat = t < 0.05 ? Math.exp(-80 * t) * (rnd.nextDouble() * 2 - 1) * 0.2 : 0;
      out[i] = (float) (v + hat);
    }
    return out;
  }

  /** The first {@code max} mono samples of {@code file} at {@code sr} Hz, decoded by FFmpeg. */
  static float[] decode(Path file, int sr, int max) throws Exception {
    float[] buf = new float[max];
    int[] len = {0};
    try (MediaReader r = MediaReader.open(file, new MediaReader.Options(sr, 0, 0, 1))) {
      r.run(
          new MediaReader.Listener() {
            @Override
            public void audio(float[] s, int n) {
              int k = Math.min(n, max - len[0]);
              System.arraycopy(s, 0, buf, len[0], k);
              len[0] += k;
            }

            @Override
            public void frame(long k, byte[] rgb) {}
          });
    }
    return Arrays.copyOf(buf, len[0]);
  }
}
