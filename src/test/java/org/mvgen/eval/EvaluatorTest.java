package org.mvgen.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.decoder.FrameGenerator;
import org.mvgen.decoder.InMemoryPairs;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.util.Progress;

class EvaluatorTest {
  static final int SIZE = 16;

  /** Pairs whose frames are noisy functions of a 2-value latent. */
  static InMemoryPairs pairs(int n, int offset) {
    List<float[]> zs = new ArrayList<>();
    List<byte[]> fs = new ArrayList<>();
    java.util.Random r = new java.util.Random(offset);
    for (int k = 0; k < n; k++) {
      float a = (float) Math.sin((k + offset) * 0.2);
      float b = (float) Math.cos((k + offset) * 0.05);
      zs.add(new float[] {a, b});
      byte[] f = new byte[SIZE * SIZE * 3];
      for (int i = 0; i < f.length; i++) {
        f[i] = (byte) Math.max(0, Math.min(255, 128 + 100 * (i % 3 == 0 ? a : b) + r.nextInt(20)));
      }
      fs.add(f);
    }
    return new InMemoryPairs(zs, fs, SIZE);
  }

  /** A generator that answers from a table of latent -> frame (or a fixed frame). */
  static FrameGenerator table(InMemoryPairs p, byte[] fixed) {
    Map<String, byte[]> m = new HashMap<>();
    for (int k = 0; k < p.size(); k++) {
      float[] z = new float[2];
      byte[] f = new byte[p.frameBytes()];
      p.latent(k, z, 0);
      p.rgb(k, f, 0);
      m.put(java.util.Arrays.toString(z), f);
    }
    return new FrameGenerator() {
      @Override
      public int latentSize() {
        return 2;
      }

      @Override
      public int frameSize() {
        return SIZE;
      }

      @Override
      public void generate(float[] latents, int n, byte[] rgb) {
        for (int i = 0; i < n; i++) {
          byte[] f =
              fixed != null
                  ? fixed
                  : m.get(
                      java.util.Arrays.toString(
                          java.util.Arrays.copyOfRange(latents, i * 2, i * 2 + 2)));
          System.arraycopy(f, 0, rgb, i * f.length, f.length);
        }
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void perfectPredictorScoresInfinitePsnrAndSsimOne(@TempDir Path tmp) throws Exception {
    InMemoryPairs train = pairs(60, 0);
    InMemoryPairs val = pairs(40, 1000);
    Evaluator.Report r =
        Evaluator.evaluate(
            table(val, null),
            LatentNorm.measure(train),
            train,
            val,
            new Evaluator.Config(30, 10, 100, 100),
            Progress.SILENT,
            tmp.resolve("eval.png"));
    assertEquals(30, r.pairs());
    assertEquals(Double.POSITIVE_INFINITY, r.model().psnr());
    assertEquals(1.0, r.model().ssim());
    assertTrue(r.meanFrame().psnr() < 40 && r.nearestNeighbour().psnr() < 40, r.toString());
    assertTrue(r.meanFrame().ssim() < 1 && r.nearestNeighbour().ssim() < 1, r.toString());
    // A perfect predictor reacts to the audio exactly as the real frames do.
    assertEquals(r.reactivityReal(), r.reactivityModel(), 1e-12);
    assertEquals(27, r.reactivityPairs(), "3 blocks of 10 consecutive frames");
    assertTrue(Files.size(tmp.resolve("eval.png")) > 0);
    Evaluator.write(r, tmp.resolve("eval.json"));
    assertTrue(Files.readString(tmp.resolve("eval.json")).contains("Infinity"));
  }

  @Test
  void meanPredictorMatchesTheMeanBaseline() throws Exception {
    InMemoryPairs train = pairs(50, 0);
    InMemoryPairs val = pairs(20, 500);
    byte[] mean = Evaluator.meanFrame(train, 100);
    Evaluator.Report r =
        Evaluator.evaluate(
            table(val, mean),
            LatentNorm.measure(train),
            train,
            val,
            new Evaluator.Config(20, 5, 100, 100),
            Progress.SILENT,
            null);
    assertEquals(r.meanFrame(), r.model());
    assertTrue(Double.isFinite(r.model().psnr()) && r.model().ssim() < 1);
  }

  @Test
  void nearestNeighbourOfTrainingPairsIsExact() throws Exception {
    InMemoryPairs train = pairs(30, 0);
    Evaluator.Report r =
        Evaluator.evaluate(
            table(train, null),
            LatentNorm.measure(train),
            train,
            train,
            new Evaluator.Config(30, 30, 100, 100),
            Progress.SILENT,
            null);
    assertEquals(Double.POSITIVE_INFINITY, r.nearestNeighbour().psnr());
  }

  @Test
  void psnrAndSsimOfKnownFrames() {
    byte[] a = new byte[SIZE * SIZE * 3];
    byte[] b = a.clone();
    b[0] = 16; // one value off by 16: MSE = 256 / 768
    assertEquals(10 * Math.log10(255.0 * 255 * 768 / 256), ImageMetrics.psnr(256.0 / 768), 1e-9);
    assertEquals(256, ImageMetrics.squaredError(a, 0, b, 0, a.length));
    assertEquals(1.0, ImageMetrics.ssim(a, 0, a, 0, SIZE));
    assertTrue(ImageMetrics.ssim(a, 0, b, 0, SIZE) < 1.0);
  }
}
