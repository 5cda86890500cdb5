package org.mvgen.decoder.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.DatasetWriter;
import org.mvgen.dataset.EncoderRecord;
import org.mvgen.dataset.ImageCodec;
import org.mvgen.dataset.Npy;
import org.mvgen.dataset.Split;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.decoder.DatasetPairs;
import org.mvgen.decoder.Decoder;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.DecoderNet;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.decoder.InMemoryPairs;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.torch.Torch;
import org.mvgen.train.Precision;
import org.mvgen.train.TrainingContext;
import org.mvgen.train.TrainingListener;
import org.mvgen.train.decoder.BatchLoader;
import org.mvgen.train.decoder.DecoderTask;
import org.mvgen.train.decoder.DecoderTrainConfig;
import org.mvgen.train.decoder.DecoderTraining;
import org.mvgen.util.Progress;

/**
 * Measures the decoder's training throughput, single-frame inference latency and the data loader's
 * throughput; {@code bench/decoder-bench.sh} runs it. Prints one {@code key=value} line per figure.
 *
 * <pre>
 * java -cp ... org.mvgen.decoder.bench.DecoderBenchmark [threads] [latent] [size] [width] [depth]
 * </pre>
 */
public final class DecoderBenchmark {
  private DecoderBenchmark() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int latent = args.length > 1 ? Integer.parseInt(args[1]) : 128;
    int size = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    int width = args.length > 3 ? Integer.parseInt(args[3]) : 512;
    int depth = args.length > 4 ? Integer.parseInt(args[4]) : 6;
    String only = System.getProperty("bench.only", "train,infer,loader");
    long t0 = System.nanoTime();
    Torch.load();
    System.out.printf(Locale.ROOT, "libtorch_load_ms=%.0f%n", (System.nanoTime() - t0) / 1e6);
    Torch.threads(threads);
    System.out.printf("threads=%d%n", Torch.threads());
    DecoderSpec spec = new DecoderSpec(latent, size, width, 32, depth, "batch");
    System.out.println("spec=" + spec);
    Path tmp = Files.createTempDirectory("mvgen-bench");
    InMemoryPairs pairs = randomPairs(256, latent, size);
    if (only.contains("train")) {
      int batch = Integer.getInteger("bench.batch", 32);
      int steps = Integer.getInteger("bench.steps", 30);
      DecoderTrainConfig.Builder b =
          DecoderTrainConfig.builder(pairs, null, spec, tmp.resolve("run"))
              .steps(steps)
              .batchSize(batch)
              .lr(1e-4)
              .schedule(DecoderTrainConfig.ScheduleKind.CONSTANT)
              .warmupSteps(0)
              .loss(DecoderTrainConfig.Loss.MSE)
              .threads(threads)
              .loaderThreads(1)
              .validationPairs(1)
              .every(0)
              .divergenceFactor(0)
              .device("cpu")
              .encoder("bench", "bench", Map.of())
              .precision(Precision.parse(System.getProperty("bench.train_precision", "auto")));
      DecoderTrainConfig c = b.build();
      System.out.println(
          "train_precision=" + (c.run().precision().bf16(true) ? "bfloat16" : "float32"));
      // The first steps include libtorch's first-call allocations and oneDNN's kernel generation
      // (slower still for bf16): measure from step 5.
      List<Long> stamps = new ArrayList<>();
      List<TrainingListener> ls =
          List.of(
              new TrainingListener() {
                @Override
                public void onStep(TrainingContext ctx) {
                  stamps.add(System.nanoTime());
                }
              });
      DecoderTraining.run(c, new org.mvgen.train.Trainer(c.run(), Progress.SILENT), ls);
      double secs = (stamps.get(stamps.size() - 1) - stamps.get(4)) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "train_samples_per_s=%.1f (batch %d, %d timed steps)%n",
          (stamps.size() - 5) * batch / secs,
          batch,
          stamps.size() - 5);
      Path bundle = tmp.resolve("run").resolve(DecoderTask.BUNDLE);
      if (only.contains("infer")) {
        infer(bundle, latent, size);
      }
    } else if (only.contains("infer")) {
      Path b = tmp.resolve("b.mvgen");
      try (DecoderNet net = new DecoderNet(spec)) {
        new DecoderBundle(spec, "bench", "bench", LatentNorm.identity(latent), Map.of())
            .write(b, net);
      }
      infer(b, latent, size);
    }
    if (only.contains("loader")) {
      loader(tmp.resolve("data"), latent, size, threads);
    }
  }

  static InMemoryPairs randomPairs(int n, int latent, int size) {
    SplittableRandom r = new SplittableRandom(1);
    List<float[]> zs = new ArrayList<>();
    List<byte[]> fs = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      float[] z = new float[latent];
      for (int j = 0; j < latent; j++) {
        z[j] = (float) r.nextGaussian();
      }
      byte[] f = new byte[size * size * 3];
      for (int i = 0; i < f.length; i++) {
        f[i] = (byte) r.nextInt(256);
      }
      zs.add(z);
      fs.add(f);
    }
    return new InMemoryPairs(zs, fs, size);
  }

  static void infer(Path bundle, int latent, int size) throws Exception {
    int reps = Integer.getInteger("bench.reps", 200);
    float[] z = new float[16 * latent];
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) r.nextGaussian();
    }
    byte[] rgb = new byte[16 * size * size * 3];
    try (Decoder g =
        DecoderBundle.load(bundle, null, System.getProperty("bench.precision", "auto"))) {
      System.out.println("precision=" + g.precision());
      for (int i = 0; i < 20; i++) {
        g.generate(z, 1, rgb);
      }
      double[] t = new double[reps];
      for (int i = 0; i < reps; i++) {
        long a = System.nanoTime();
        g.generate(z, 1, rgb);
        t[i] = (System.nanoTime() - a) / 1e6;
      }
      Arrays.sort(t);
      System.out.printf(
          Locale.ROOT, "infer_single_ms_median=%.3f p90=%.3f%n", t[reps / 2], t[reps * 9 / 10]);
      int batchReps = Math.max(5, reps / 16);
      long a = System.nanoTime();
      for (int i = 0; i < batchReps; i++) {
        g.generate(z, 16, rgb);
      }
      System.out.printf(
          Locale.ROOT,
          "infer_batch16_ms_per_frame=%.3f%n",
          (System.nanoTime() - a) / 1e6 / (batchReps * 16));
    }
  }

  static void loader(Path dir, int latent, int size, int threads) throws Exception {
    int n = Integer.getInteger("bench.loader_pairs", 600);
    DatasetParams p = new DatasetParams(44100, 25, size, 2048);
    InMemoryPairs src = randomPairs(16, latent, size);
    // Smooth frames compress like video frames; noise would make JPEG decoding unrealistically
    // slow.
    byte[] frame = new byte[size * size * 3];
    try (DatasetWriter w = DatasetWriter.create(dir, p, new ImageCodec(size, 92), 1000)) {
      try (DatasetWriter.SourceWriter s = w.source("bench", "bench", "/bench", Map.of())) {
        s.audio(new float[n * 1764], 0, n * 1764);
        for (int k = 0; k < n; k++) {
          for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
              int o = (y * size + x) * 3;
              frame[o] = (byte) (x + k);
              frame[o + 1] = (byte) (y * 2 - k);
              frame[o + 2] = (byte) ((x ^ y) + 3 * k);
            }
          }
          s.frame(frame);
        }
        s.commit();
      }
      w.finish(new SplitConfig(SplitConfig.Mode.BLOCKS, 0.0, 20, 1));
    }
    try (Dataset ds = Dataset.open(dir)) {
      float[] z = new float[n * latent];
      Files.createDirectories(ds.latentFile("bench", ds.sources().get(0)).getParent());
      Npy.writeFloat32(ds.latentFile("bench", ds.sources().get(0)), z, n, latent);
      ds.recordEncoder(new EncoderRecord("bench", "bench", latent, Map.of()));
      DatasetPairs pairs = DatasetPairs.of(ds, "bench", Split.TRAIN);
      int batch = 32;
      try (BatchLoader l =
          new BatchLoader(pairs, LatentNorm.identity(latent), batch, 1, 0, threads)) {
        l.next();
        long a = System.nanoTime();
        int steps = (int) (2 * pairs.size() / batch);
        for (int i = 0; i < steps; i++) {
          l.next();
        }
        double s = (System.nanoTime() - a) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "loader_pairs_per_s=%.1f (%d loader threads, JPEG q92 %dpx)%n",
            steps * batch / s,
            threads,
            size);
      }
    }
    src.size();
  }
}
