package org.mvgen.train.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.dataset.Dataset;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.Synthetic;
import org.mvgen.torch.TensorState;
import org.mvgen.torch.Torch;

/**
 * {@code mvgen train --processes 2}: two JVMs (Gloo over loopback) with global batch B train the
 * same model as one process with batch B, only rank 0 writes, and a rank killed mid-run makes the
 * other stop with a message naming it, never a hang.
 */
class DistributedTrainIT {
  static Path data;

  @BeforeAll
  static void dataset(@TempDir Path tmp) throws Exception {
    data = tmp.resolve("data");
    try (Dataset ds = Synthetic.dataset(data, 3, 12, 16)) {
      assertEquals(36, ds.size());
    }
  }

  static List<String> args(Path run, int steps, String... more) {
    return args(data, run, steps, more);
  }

  /** {@code mvgen train} of a tiny decoder on {@code dataset}, as each test here runs it. */
  static List<String> args(Path dataset, Path run, int steps, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                dataset.toString(),
                "--encoder",
                Synthetic.ENCODER,
                "--out",
                run.toString(),
                "--steps",
                Integer.toString(steps),
                "--batch-size",
                "8",
                "--lr",
                "0.003",
                "--set",
                "model.width=32",
                "--set",
                "model.min_width=8",
                "--set",
                "model.depth=3",
                // Batch norm would see each rank's half batch: compare without it (docs).
                "--set",
                "model.norm=none",
                "--set",
                "train.warmup_steps=3",
                "--set",
                "train.threads=1",
                "--set",
                "train.loader_threads=1",
                "--set",
                "train.precision=float32",
                "--set",
                "train.dist_timeout=60s"));
    a.addAll(List.of(more));
    return a;
  }

  static Process start(List<String> args, Path out, Path err) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    for (String k : List.of("RANK", "WORLD_SIZE", "SLURM_PROCID", "SLURM_STEP_ID")) {
      pb.environment().remove(k);
    }
    return pb.start();
  }

  static String run(List<String> args, Path tmp, String name) throws Exception {
    Path out = tmp.resolve(name + ".out");
    Path err = tmp.resolve(name + ".err");
    Process p = start(args, out, err);
    assertTrue(p.waitFor(600, TimeUnit.SECONDS), name + " did not finish");
    String all = "stdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err);
    assertEquals(Main.Exit.OK, p.exitValue(), all);
    return all;
  }

  static float[] weights(Path bundle) throws Exception {
    org.mvgen.torch.Torch.load();
    byte[] b = DecoderBundle.readZip(bundle, "bundle").get("weights.bin");
    java.util.List<Float> all = new ArrayList<>();
    for (var t : TensorState.read(new java.io.ByteArrayInputStream(b)).values()) {
      if (t.scalar_type() == org.bytedeco.pytorch.global.torch.ScalarType.Float) {
        for (float x : Torch.floats(t)) {
          all.add(x);
        }
      }
    }
    float[] f = new float[all.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = all.get(i);
    }
    return f;
  }

  @Test
  void twoProcessesTrainTheModelOneProcessTrainsWithTheSameGlobalBatch(@TempDir Path tmp)
      throws Exception {
    run(args(tmp.resolve("one"), 24), tmp, "one");
    String two = run(args(tmp.resolve("two"), 24, "--processes", "2", "--verbose"), tmp, "two");
    assertTrue(two.contains("(2 processes, mvgen)"), two);
    assertEquals(1, two.split("Done at step 24", -1).length - 1, "rank 0 alone reports: " + two);
    float[] a = weights(tmp.resolve("one/model.mvgen"));
    float[] b = weights(tmp.resolve("two/model.mvgen"));
    assertEquals(a.length, b.length);
    assertTrue(finite(a), "one process: NaN weights");
    assertTrue(finite(b), "two processes: NaN weights\n" + two);
    double max = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    // Float sums in another order; Adam keeps the difference at rounding level.
    assertTrue(max <= 1e-4 * scale, "max difference " + max + " of weights up to " + scale);
    String metrics = Files.readString(tmp.resolve("two/metrics.json"));
    assertTrue(metrics.contains("\"worldSize\" : 2"), metrics);

    // A run checkpointed by 2 ranks resumes with 1.
    String resumed = run(args(tmp.resolve("two"), 30, "--resume"), tmp, "resumed");
    assertTrue(resumed.contains("Done at step 30"), resumed);
  }

  @Test
  void aRankKilledMidRunStopsTheOtherWithAMessageNamingIt(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("kill.out");
    Path err = tmp.resolve("kill.err");
    Process launcher =
        start(
            args(
                tmp.resolve("run"),
                100_000,
                "--processes",
                "2",
                "--set",
                "train.checkpoint_every=0"),
            out,
            err);
    try {
      ProcessHandle rank1 = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (rank1 == null && System.nanoTime() < deadline) {
        for (ProcessHandle c : launcher.toHandle().children().toList()) {
          if (environ(c.pid()).contains("RANK=1\0")) {
            rank1 = c;
          }
        }
        Thread.sleep(200);
      }
      assertTrue(rank1 != null, "rank 1 never started");
      // Wait until training runs (rank 0 shows its first line), then kill rank 1 hard.
      while (!Files.readString(out).contains("Training on") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      Thread.sleep(3000);
      new ProcessBuilder("kill", "-9", Long.toString(rank1.pid())).start().waitFor();
      assertTrue(
          launcher.waitFor(90, TimeUnit.SECONDS), "the other rank hung after rank 1 was killed");
      String all = Files.readString(out) + Files.readString(err);
      assertNotEquals(0, launcher.exitValue(), all);
      assertTrue(all.contains("Rank 0 of 2 lost the other processes"), all);
      assertTrue(all.contains("rank 1 stopped without a word"), all);
      assertTrue(!all.contains("at org.") && !all.contains("Exception"), "no stack trace: " + all);
    } finally {
      launcher.destroyForcibly();
      launcher.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  static boolean finite(float[] f) {
    for (float x : f) {
      if (!Float.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  static String environ(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")));
    } catch (IOException e) {
      return "";
    }
  }
}
