package org.mvgen.rave;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.MelEncoder;
import org.mvgen.torch.Torch;

/**
 * Encoder benchmark ({@code bench/encoders.sh}): speed as a multiple of real time at 44.1 kHz for a
 * v2-sized RAVE encoder (random weights, offline and streaming exports) and for {@code mel}, and
 * the latency of one 2048-sample streaming block. The same-run reference is one direct call of the
 * export's own {@code encode} over the whole signal. Prints Markdown table rows.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:target/lib/* org.mvgen.rave.EncoderBench [SECONDS] [THREADS]
 * </pre>
 */
public final class EncoderBench {
  private EncoderBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int sr = 44100;
    Torch.load(threads);
    float[] x = new float[seconds * sr];
    Random r = new Random(1);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (0.1 * r.nextGaussian() + 0.3 * Math.sin(2 * Math.PI * 220 * i / sr));
    }
    Path dir = Files.createTempDirectory("mvgen-bench");
    Path offline = dir.resolve("v2.ts");
    Path streaming = dir.resolve("v2-streaming.ts");
    RaveFixture.write(RaveFixture.v2Sized(false, 1), offline);
    RaveFixture.write(RaveFixture.v2Sized(true, 1), streaming);
    System.out.printf(
        Locale.ROOT,
        "# %d s of audio at 44.1 kHz, %d libtorch threads, %s%n",
        seconds,
        threads,
        System.getProperty("os.arch"));

    // mel: every video frame (hop 1764) gets the log-mel of its own 2048-sample window.
    MelEncoder mel = new MelEncoder(new MelEncoder.Params(sr, 2048, 1764, 64, 30, 16000), null);
    mel.encode(x); // warm-up: lets the JIT compile the FFT
    double t = time(() -> mel.encode(x));
    row("mel (64 bands, hop 1764, pure Java, 1 thread)", seconds / t, t);

    try (RaveModel m = RaveModel.load(offline, threads);
        RaveEncoder enc = new RaveEncoder(m, RaveEncoder.Mode.MEAN, "rave:v2.ts", -1)) {
      enc.encode(Arrays.copyOf(x, 5 * sr));
      t = time(() -> enc.encode(x));
      row("RAVE v2-sized, offline export, mean (chunks of 256 + 2x16 context)", seconds / t, t);
      try (RaveEncoder s =
          new RaveEncoder(
              RaveModel.load(offline, threads), RaveEncoder.Mode.SAMPLE, "rave:v2.ts", -1)) {
        t = time(() -> s.encode(x));
        row("RAVE v2-sized, offline export, sample (export's encode, chunked)", seconds / t, t);
      }
      // Reference: the export's own encode over the whole signal in one call.
      int n = x.length / 2048 * 2048;
      t =
          time(
              () -> {
                try (PointerScope scope = new PointerScope()) {
                  JitModule jm = m.fresh();
                  jm.get_method("encode")
                      .apply(
                          new IValueVector(new IValue(Torch.tensor(Arrays.copyOf(x, n), 1, 1, n))))
                      .toTensor();
                }
              });
      row("reference: export's encode, one call on the whole signal", seconds / t, t);
    }

    try (RaveModel m = RaveModel.load(streaming, threads);
        RaveEncoder enc = new RaveEncoder(m, RaveEncoder.Mode.MEAN, "rave:v2s.ts", -1)) {
      System.out.printf(
          Locale.ROOT,
          "# streaming export: delay %d samples (%s; the fixture's exact delay %d)%n",
          enc.delay(),
          enc.delaySource(),
          RaveFixture.streamingDelay(RaveFixture.v2Sized(true, 1)));
      t = time(() -> enc.encode(x));
      row("RAVE v2-sized, streaming export, mean", seconds / t, t);
      try (AudioEncoder.Session session = enc.openSession()) {
        float[] block = new float[2048];
        int blocks = 300;
        double[] ms = new double[blocks];
        double cpuStart = 0;
        var threadsBean = java.lang.management.ManagementFactory.getThreadMXBean();
        double[] threadMs = new double[blocks];
        for (int b = 0; b < blocks; b++) {
          long tc0 = threadsBean.getCurrentThreadCpuTime();
          if (b == 20) {
            cpuStart = cpu(); // after the warm-up blocks
          }
          System.arraycopy(x, (b * 2048) % (x.length - 2048), block, 0, 2048);
          long t0 = System.nanoTime();
          session.push(block, 0, 2048);
          ms[b] = (System.nanoTime() - t0) / 1e6;
          threadMs[b] = (threadsBean.getCurrentThreadCpuTime() - tc0) / 1e6;
        }
        double[] tsteady = Arrays.copyOfRange(threadMs, 20, blocks);
        Arrays.sort(tsteady);
        System.out.printf(
            Locale.ROOT,
            "| streaming block, CPU time of the calling thread | median %.2f ms | p95 %.2f ms |%n",
            tsteady[tsteady.length / 2],
            tsteady[(int) (tsteady.length * 0.95)]);
        System.out.printf(
            Locale.ROOT,
            "| streaming block, mean CPU time (all threads) | %.2f ms |%n",
            (cpu() - cpuStart) * 1e3 / (blocks - 20));
        double[] steady = Arrays.copyOfRange(ms, 20, blocks);
        Arrays.sort(steady);
        System.out.printf(
            Locale.ROOT,
            "| streaming block (2048 samples = 46.4 ms) | median %.2f ms | p95 %.2f ms | max %.2f"
                + " ms |%n",
            steady[steady.length / 2],
            steady[(int) (steady.length * 0.95)],
            steady[steady.length - 1]);
      }
    }
    torch.get_num_threads();
  }

  interface Work {
    void run() throws Exception;
  }

  private static double lastCpu;

  /** Process CPU time in seconds (all threads): on a shared machine, what the work itself cost. */
  static double cpu() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e9;
  }

  private static double time(Work w) throws Exception {
    double c0 = cpu();
    long t0 = System.nanoTime();
    w.run();
    lastCpu = cpu() - c0;
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void row(String what, double rt, double s) {
    System.out.printf(
        Locale.ROOT, "| %s | %.1f× real time | %.2f s wall | %.2f s CPU |%n", what, rt, s, lastCpu);
  }
}
