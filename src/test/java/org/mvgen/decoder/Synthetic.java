package org.mvgen.decoder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.DatasetWriter;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.ImageCodec;
import org.mvgen.dataset.Npy;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.train.decoder.DecoderTrainConfig;

/** Small synthetic (latent, frame) sets whose frames are a known smooth function of the latent. */
public final class Synthetic {
  public static final int LATENT = 4;
  public static final String ENCODER = "synthetic-4";

  private Synthetic() {}

  public static float[] latent(int k) {
    double t = k * 0.37;
    return new float[] {
      (float) Math.sin(t), (float) Math.cos(t), (float) Math.sin(2.3 * t), (float) (k % 5) / 4f
    };
  }

  /** A frame: a colour gradient whose colours and direction follow the latent. */
  public static byte[] frame(float[] z, int size) {
    byte[] rgb = new byte[size * size * 3];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double u = (double) x / size;
        double v = (double) y / size;
        double r = 0.5 + 0.45 * Math.sin(3 * u * z[0] + 2 * v + z[1]);
        double g = 0.5 + 0.45 * Math.cos(2 * v * z[2] + u + z[3]);
        double b = 0.5 + 0.45 * z[3] * (u - v);
        int o = (y * size + x) * 3;
        rgb[o] = (byte) Math.round(255 * r);
        rgb[o + 1] = (byte) Math.round(255 * g);
        rgb[o + 2] = (byte) Math.round(255 * b);
      }
    }
    return rgb;
  }

  public static InMemoryPairs pairs(int n, int size) {
    List<float[]> zs = new ArrayList<>();
    List<byte[]> fs = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      zs.add(latent(k));
      fs.add(frame(latent(k), size));
    }
    return new InMemoryPairs(zs, fs, size);
  }

  /** Writes a dataset of {@code sources} sources with {@code frames} pairs each, PNG frames. */
  public static Dataset dataset(Path dir, int sources, int frames, int size) throws Exception {
    DatasetParams p = new DatasetParams(8000, 25, size, 640);
    try (DatasetWriter w = DatasetWriter.create(dir, p, new ImageCodec(size, 0), 50)) {
      int k = 0;
      for (int s = 0; s < sources; s++) {
        try (DatasetWriter.SourceWriter sw = w.source("src" + s, "src" + s, "/x/" + s, Map.of())) {
          sw.audio(new float[frames * 320], 0, frames * 320);
          for (int f = 0; f < frames; f++) {
            sw.frame(frame(latent(k++), size));
          }
          sw.commit();
        }
      }
      w.finish(new SplitConfig(SplitConfig.Mode.VIDEOS, 0.34, 1.0, 1));
    }
    Dataset ds = Dataset.open(dir);
    int k = 0;
    for (Dataset.Source s : ds.sources()) {
      float[] z = new float[s.pairs() * LATENT];
      for (int f = 0; f < s.pairs(); f++) {
        System.arraycopy(latent(k++), 0, z, f * LATENT, LATENT);
      }
      java.nio.file.Files.createDirectories(ds.latentFile(ENCODER, s).getParent());
      Npy.writeFloat32(ds.latentFile(ENCODER, s), z, s.pairs(), LATENT);
    }
    ds.recordEncoder(new EncoderRecord(ENCODER, "synthetic", LATENT, Map.of()));
    return ds;
  }

  public static DecoderSpec spec(int size) {
    return new DecoderSpec(LATENT, size, 32, 8, 3, "batch");
  }

  /** A tiny run: cosine schedule, MSE, seed 7, one thread, validation every 0 steps. */
  public static DecoderTrainConfig.Builder builder(
      PairSource train, PairSource val, Path run, long steps, int batch, boolean resume) {
    return DecoderTrainConfig.builder(train, val, spec(train.frameSize()), run)
        .steps(steps)
        .batchSize(batch)
        .lr(3e-3)
        .schedule(DecoderTrainConfig.ScheduleKind.COSINE)
        .warmupSteps(5)
        .minLrFraction(0.1)
        .loss(DecoderTrainConfig.Loss.MSE)
        .seed(7)
        .threads(1)
        .loaderThreads(1)
        .every(0)
        .validationPairs(16)
        .divergenceFactor(10)
        .resume(resume)
        .device("cpu")
        .encoder(ENCODER, "synthetic", Map.of());
  }

  public static DecoderTrainConfig config(
      PairSource train, PairSource val, Path run, long steps, int batch, boolean resume) {
    return builder(train, val, run, steps, batch, resume).build();
  }
}
