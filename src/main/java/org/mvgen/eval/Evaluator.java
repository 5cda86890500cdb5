package org.mvgen.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mvgen.decoder.FrameGenerator;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.decoder.PairSource;
import org.mvgen.util.AtomicFiles;
import org.mvgen.util.Charts;
import org.mvgen.util.Progress;

/**
 * Scores a frame generator on validation pairs beside two baselines on the same pairs.
 *
 * <pre>
 * Evaluator.Report r = Evaluator.evaluate(decoder, norm, train, val, Evaluator.Config.DEFAULT, progress);
 * Evaluator.write(r, Path.of("run/eval.json"));
 * </pre>
 *
 * <p>Which pairs: up to {@code maxPairs} validation pairs taken as evenly spaced blocks of {@code
 * blockLength} consecutive frames, so that the reactivity figure can compare neighbours. Baselines:
 * the mean of up to {@code maxMeanFrames} evenly spaced training frames; and, for each validation
 * latent, the frame of the training pair whose normalised latent is nearest in Euclidean distance
 * among up to {@code maxNeighbours} evenly spaced training pairs. Audio reactivity: over
 * consecutive validation pairs, the Pearson correlation between the latent distance (normalised
 * latents) and the mean absolute difference of the two frames, for generated and real frames.
 */
public final class Evaluator {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int PREVIEW = 8;

  private Evaluator() {}

  /** Limits of one evaluation. */
  public record Config(int maxPairs, int blockLength, int maxMeanFrames, int maxNeighbours) {
    public static final Config DEFAULT = new Config(500, 25, 5000, 20000);

    public Config {
      if (maxPairs < 1 || blockLength < 1 || maxMeanFrames < 1 || maxNeighbours < 1) {
        throw new IllegalArgumentException("eval limits must be positive: " + this);
      }
    }
  }

  /**
   * PSNR of all pixels together (dB; infinite when every pixel matches) and mean SSIM per frame.
   */
  public record Scores(double psnr, double ssim, double mse) {}

  /** The figures of one evaluation. */
  public record Report(
      int pairs,
      Scores model,
      Scores meanFrame,
      Scores nearestNeighbour,
      double reactivityModel,
      double reactivityNearestNeighbour,
      double reactivityReal,
      int reactivityPairs,
      int meanFrames,
      int neighbourCandidates,
      Map<String, Object> info) {}

  /** The evaluated validation items, in order. */
  static long[] items(long size, Config c) {
    int k = (int) Math.min(size, c.maxPairs());
    int blocks = Math.max(1, k / c.blockLength());
    List<Long> out = new ArrayList<>();
    for (int b = 0; b < blocks; b++) {
      long start = b * size / blocks;
      for (int j = 0; j < c.blockLength() && out.size() < k && start + j < size; j++) {
        if (b + 1 < blocks && start + j >= (b + 1) * size / blocks) {
          break;
        }
        out.add(start + j);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** The mean of up to {@code max} evenly spaced frames of {@code src}, rounded to bytes. */
  public static byte[] meanFrame(PairSource src, int max) throws IOException {
    int k = (int) Math.min(src.size(), max);
    int fb = src.frameBytes();
    long[] sum = new long[fb];
    byte[] f = new byte[fb];
    for (int j = 0; j < k; j++) {
      src.rgb(j * src.size() / k, f, 0);
      for (int i = 0; i < fb; i++) {
        sum[i] += f[i] & 0xff;
      }
    }
    byte[] mean = new byte[fb];
    for (int i = 0; i < fb; i++) {
      mean[i] = (byte) Math.round((double) sum[i] / k);
    }
    return mean;
  }

  /** Runs the evaluation; writes nothing. */
  public static Report evaluate(
      FrameGenerator gen,
      LatentNorm norm,
      PairSource train,
      PairSource val,
      Config c,
      Progress.Factory progress,
      Path previewPng)
      throws IOException {
    if (val.size() == 0) {
      throw new IllegalArgumentException("no validation pairs to evaluate on");
    }
    int d = val.latentSize();
    int size = val.frameSize();
    int fb = val.frameBytes();
    if (gen.latentSize() != d || gen.frameSize() != size) {
      throw new IllegalArgumentException(
          "the model takes latents of "
              + gen.latentSize()
              + " and makes "
              + gen.frameSize()
              + " px frames; the dataset has "
              + d
              + " and "
              + size);
    }
    long[] items = items(val.size(), c);
    byte[] mean = meanFrame(train, c.maxMeanFrames());
    int m = (int) Math.min(train.size(), c.maxNeighbours());
    long[] cand = new long[m];
    float[] candZ = new float[m * d];
    for (int j = 0; j < m; j++) {
      cand[j] = j * train.size() / m;
      train.latent(cand[j], candZ, j * d);
    }
    norm.apply(candZ, 0, m);

    Acc model = new Acc();
    Acc meanAcc = new Acc();
    Acc nn = new Acc();
    double[] dz = new double[items.length];
    double[] dModel = new double[items.length];
    double[] dNn = new double[items.length];
    double[] dReal = new double[items.length];
    int nReact = 0;
    int chunk = 16;
    float[] z = new float[chunk * d];
    float[] zn = new float[chunk * d];
    byte[] out = new byte[chunk * fb];
    byte[] real = new byte[chunk * fb];
    byte[] near = new byte[chunk * fb];
    float[] prevZ = new float[d];
    byte[] prevOut = new byte[fb];
    byte[] prevReal = new byte[fb];
    byte[] prevNear = new byte[fb];
    long prevItem = -2;
    List<byte[]> pvReal = new ArrayList<>();
    List<byte[]> pvModel = new ArrayList<>();
    List<byte[]> pvMean = new ArrayList<>();
    List<byte[]> pvNn = new ArrayList<>();
    int previewEvery = Math.max(1, items.length / PREVIEW);
    try (Progress bar = progress.start("eval", items.length, "frame")) {
      for (int s = 0; s < items.length; s += chunk) {
        int n = Math.min(chunk, items.length - s);
        for (int i = 0; i < n; i++) {
          val.latent(items[s + i], z, i * d);
          val.rgb(items[s + i], real, i * fb);
        }
        System.arraycopy(z, 0, zn, 0, n * d);
        norm.apply(zn, 0, n);
        gen.generate(z, n, out);
        for (int i = 0; i < n; i++) {
          int best = nearest(zn, i * d, candZ, m, d);
          train.rgb(cand[best], near, i * fb);
        }
        for (int i = 0; i < n; i++) {
          int o = i * fb;
          model.add(real, o, out, o, fb, size);
          meanAcc.add(real, o, mean, 0, fb, size);
          nn.add(real, o, near, o, fb, size);
          long item = items[s + i];
          if (item == prevItem + 1 && val.followsPrevious(item)) {
            double dist = 0;
            for (int j = 0; j < d; j++) {
              double e = zn[i * d + j] - prevZ[j];
              dist += e * e;
            }
            dz[nReact] = Math.sqrt(dist);
            dModel[nReact] = ImageMetrics.meanAbsDiff(out, o, prevOut, 0, fb);
            dNn[nReact] = ImageMetrics.meanAbsDiff(near, o, prevNear, 0, fb);
            dReal[nReact] = ImageMetrics.meanAbsDiff(real, o, prevReal, 0, fb);
            nReact++;
          }
          System.arraycopy(zn, i * d, prevZ, 0, d);
          System.arraycopy(out, o, prevOut, 0, fb);
          System.arraycopy(real, o, prevReal, 0, fb);
          System.arraycopy(near, o, prevNear, 0, fb);
          prevItem = item;
          if ((s + i) % previewEvery == 0 && pvReal.size() < PREVIEW) {
            pvReal.add(Arrays.copyOfRange(real, o, o + fb));
            pvModel.add(Arrays.copyOfRange(out, o, o + fb));
            pvMean.add(mean);
            pvNn.add(Arrays.copyOfRange(near, o, o + fb));
          }
        }
        bar.step(n);
      }
    }
    Report r =
        new Report(
            items.length,
            model.scores(),
            meanAcc.scores(),
            nn.scores(),
            ImageMetrics.pearson(dz, dModel, nReact),
            ImageMetrics.pearson(dz, dNn, nReact),
            ImageMetrics.pearson(dz, dReal, nReact),
            nReact,
            (int) Math.min(train.size(), c.maxMeanFrames()),
            m,
            new LinkedHashMap<>());
    if (previewPng != null) {
      Charts.grid(
          previewPng,
          List.of(
              "real",
              String.format("model %.1f dB", r.model().psnr()),
              String.format("mean %.1f dB", r.meanFrame().psnr()),
              String.format("nearest %.1f dB", r.nearestNeighbour().psnr())),
          List.of(pvReal, pvModel, pvMean, pvNn),
          size);
    }
    return r;
  }

  private static int nearest(float[] q, int qOff, float[] cand, int m, int d) {
    int best = 0;
    double bestD = Double.POSITIVE_INFINITY;
    for (int j = 0; j < m; j++) {
      double s = 0;
      int o = j * d;
      for (int k = 0; k < d && s < bestD; k++) {
        double e = q[qOff + k] - cand[o + k];
        s += e * e;
      }
      if (s < bestD) {
        bestD = s;
        best = j;
      }
    }
    return best;
  }

  /** Writes the report as JSON, atomically. */
  public static void write(Report r, Path json) throws IOException {
    AtomicFiles.writeString(json, JSON.writeValueAsString(r));
  }

  private static final class Acc {
    long sq;
    long values;
    double ssim;
    int frames;

    void add(byte[] a, int aOff, byte[] b, int bOff, int len, int size) {
      sq += ImageMetrics.squaredError(a, aOff, b, bOff, len);
      values += len;
      ssim += ImageMetrics.ssim(a, aOff, b, bOff, size);
      frames++;
    }

    Scores scores() {
      double mse = (double) sq / values;
      return new Scores(ImageMetrics.psnr(mse), ssim / frames, mse);
    }
  }
}
