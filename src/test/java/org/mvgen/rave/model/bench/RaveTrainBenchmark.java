package org.mvgen.rave.model.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.rave.model.AudioExamples;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveNet;
import org.mvgen.rave.model.RaveTask;
import org.mvgen.rave.model.RaveWeights;
import org.mvgen.torch.Torch;

/**
 * RAVE training speed: steps/s of {@link RaveTask#step} for a named config, phase 1 (PQMF, encoder,
 * posterior sample, decoder, multiband + full-band spectral distance + KL, backward, generator
 * Adam) and optionally phase 2 (frozen encoder; discriminator steps every {@code discEvery} and
 * decoder steps with hinge + feature matching in between, in the config's ratio). Prints {@code
 * key=value} lines. With an output folder it first writes the initial weights and the training
 * audio there, so that {@code bench/rave_pytorch.py} trains the same network from the same weights
 * on the same audio (bench/rave-train.sh runs both).
 *
 * <pre>
 * RaveTrainBenchmark CONFIG THREADS STEPS [EXAMPLE_SIZE BATCH PHASE2_STEPS OUT_DIR]
 * </pre>
 *
 * EXAMPLE_SIZE and BATCH 0 keep the config's; PHASE2_STEPS 0 skips phase 2. Two warm-up steps (four
 * in phase 2: one whole discriminator cycle) are run before timing; the environment variable
 * RAVE_BENCH_WARM sets phase 1's (1 is enough for v2 at full size, whose steps take minutes).
 */
public final class RaveTrainBenchmark {
  private static final int WARM =
      Integer.parseInt(System.getenv().getOrDefault("RAVE_BENCH_WARM", "2"));

  private RaveTrainBenchmark() {}

  public static void main(String[] args) throws Exception {
    String name = args[0];
    int threads = Integer.parseInt(args[1]);
    int steps = Integer.parseInt(args[2]);
    int example = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    int batch = args.length > 4 ? Integer.parseInt(args[4]) : 0;
    int phase2 = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    Path out = args.length > 6 ? Path.of(args[6]) : null;
    Torch.load();
    Torch.threads(threads);
    RaveConfig c = config(name, example, batch);
    float[] clip0 = music(c.sampleRate(), Math.max(4 * c.exampleSize(), 10 * c.sampleRate()), 1);
    float[] clip1 = music(c.sampleRate(), clip0.length, 2);
    AudioExamples train = AudioExamples.of(clip0, clip1);
    System.out.printf(
        Locale.ROOT,
        "config=%s example=%d batch=%d hop=%d threads=%d%n",
        c.name(),
        c.exampleSize(),
        c.batchSize(),
        c.hop(),
        Torch.threads());
    torch.manual_seed(1);
    try (RaveTask task = new RaveTask(c, train, null, 1)) {
      task.build(new Device("cpu"), false);
      task.start(0, false, 0, 1);
      long gen = count(task.net());
      System.out.printf("params_generator=%d params_discriminator=%d%n", gen, countAll(task) - gen);
      if (out != null) {
        RaveWeights.write(out.resolve("weights"), c, task.state());
        java.util.Map<String, Tensor> io = new java.util.LinkedHashMap<>();
        io.put("clip0", Torch.tensor(clip0, clip0.length));
        io.put("clip1", Torch.tensor(clip1, clip1.length));
        Object crop = task.describe().get("multibandCropBandSamples");
        if (crop instanceof java.util.List<?> l) { // v2: the reference crops the same samples
          io.put(
              "multibandCrop",
              Torch.tensor(
                  new float[] {((Number) l.get(0)).floatValue(), ((Number) l.get(1)).floatValue()},
                  2));
        }
        RaveWeights.write(out.resolve("io"), c, io);
      }
      time(task, "phase1", 0, WARM, steps);
    }
    if (phase2 > 0) {
      RaveConfig c2 = c.toBuilder().phase1Steps(1).build();
      torch.manual_seed(1);
      try (RaveTask task = new RaveTask(c2, train, null, 1)) {
        task.build(new Device("cpu"), false);
        task.start(1, false, 0, 1);
        time(task, "phase2", 1, 4, phase2);
      }
    }
  }

  private static void time(RaveTask task, String phase, long first, int warm, int steps)
      throws Exception {
    for (int s = 0; s < warm; s++) {
      task.step(first + s);
    }
    long t0 = System.nanoTime();
    for (int s = 0; s < steps; s++) {
      task.step(first + warm + s);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%s_steps_per_s=%.3f (%.3f s/step, %d timed steps after %d warm-up)%n",
        phase,
        steps / secs,
        secs / steps,
        steps,
        warm);
  }

  /** Trainable parameters of the generator and the discriminator. */
  private static long countAll(RaveTask task) {
    long n = 0;
    for (org.mvgen.train.Optim o : task.optimizers()) {
      for (Tensor t : o.parameters().values()) {
        n += t.numel();
      }
    }
    return n;
  }

  private static long count(org.bytedeco.pytorch.Module m) {
    long n = 0;
    for (Tensor t : RaveNet.parameters(m).values()) {
      n += t.numel();
    }
    return n;
  }

  /** The named config with its example size and batch overridden where positive. */
  static RaveConfig config(String name, int example, int batch) {
    RaveConfig.Builder b = RaveConfig.named(name).toBuilder();
    if (example > 0) {
      b.exampleSize(example);
    }
    if (batch > 0) {
      b.batchSize(batch);
    }
    return b.build();
  }

  /** Harmonic tones with random pitches and envelopes plus a little noise, in [-1, 1]. */
  static float[] music(int rate, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    int note = rate / 4;
    for (int start = 0; start < n; start += note) {
      double f = 110 * Math.pow(2, r.nextInt(36) / 12.0);
      for (int i = start; i < Math.min(n, start + note); i++) {
        double t = (i - start) / (double) rate;
        double env = Math.exp(-6 * t);
        double v = 0;
        for (int h = 1; h <= 4; h++) {
          v += Math.sin(2 * Math.PI * f * h * i / rate) / h;
        }
        a[i] = (float) (0.4 * env * v + 0.02 * (r.nextDouble() * 2 - 1));
      }
    }
    return a;
  }
}
