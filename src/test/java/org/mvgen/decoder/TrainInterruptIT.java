package org.mvgen.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.dataset.Dataset;
import org.mvgen.util.AtomicFiles;

/**
 * Ctrl-C for real: {@code mvgen train} runs in a child JVM, gets SIGINT after some steps, and must
 * save a checkpoint and the bundle, print how to continue and exit with 130; the same again for the
 * resumed run; a last {@code --resume} then continues from that step to the end, with the same
 * weights as a run that was never interrupted. While a child runs, its checkpoint is read again and
 * again: a reader must never see a half-written one.
 */
class TrainInterruptIT {
  private static final int STEPS = 300;

  @Test
  void ctrlCSavesACheckpointExits130AndResumeFinishesTheSameRun(@TempDir Path tmp)
      throws Exception {
    Path data = tmp.resolve("data");
    try (Dataset ds = Synthetic.dataset(data, 3, 10, 16)) {
      assertEquals(30, ds.size());
    }
    Path runDir = tmp.resolve("run");
    Path ckpt = runDir.resolve(org.mvgen.train.Trainer.CHECKPOINT);

    // Twice: a fresh run, then the resumed one.
    long first = interrupt(tmp, "first", args(data, runDir, false, 1), -1, 20);
    long second = interrupt(tmp, "second", args(data, runDir, true, 1), first, first + 20);

    Path out = tmp.resolve("last.out");
    Path err = tmp.resolve("last.err");
    Process r = start(args(data, runDir, true, 0), out, err);
    assertTrue(r.waitFor(300, TimeUnit.SECONDS), "the resumed training did not finish");
    String last = "stdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err);
    assertEquals(Main.Exit.OK, r.exitValue(), last);
    assertTrue(last.contains("Resuming " + ckpt + " at step " + second), last);
    assertTrue(last.contains("Done at step " + STEPS), last);
    assertEquals(STEPS, org.mvgen.train.Checkpoint.meta(ckpt).step());

    // The same run never interrupted, in this JVM, gives the same weights bit for bit.
    Path straight = tmp.resolve("straight");
    DecoderCliTest.Out s =
        DecoderCliTest.run(args(data, straight, false, 0).toArray(String[]::new));
    assertEquals(Main.Exit.OK, s.code(), s.out() + s.err());
    assertArrayEquals(
        weights(straight.resolve(DecoderBundle.FILE_NAME)),
        weights(runDir.resolve(DecoderBundle.FILE_NAME)),
        "interrupted and resumed weights differ from an uninterrupted run");
  }

  /**
   * Starts {@code mvgen train} in a child JVM, reads its checkpoint over and over (it must always
   * be complete), sends SIGINT once the checkpoint has reached {@code signalAt}, and checks what
   * Ctrl-C promises. Returns the step it stopped at.
   *
   * @param resumedFrom the step a resumed run must say it resumes at, or -1 for a fresh run
   */
  private static long interrupt(
      Path tmp, String name, List<String> args, long resumedFrom, long signalAt) throws Exception {
    Path runDir = Path.of(args.get(args.indexOf("--out") + 1));
    Path ckpt = runDir.resolve(org.mvgen.train.Trainer.CHECKPOINT);
    Path outFile = tmp.resolve(name + ".out");
    Path errFile = tmp.resolve(name + ".err");
    Process p = start(args, outFile, errFile);
    long signalled = -1;
    int reads = 0;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (p.isAlive() && System.nanoTime() < deadline) {
        if (Files.exists(ckpt)) {
          long step;
          try {
            step = org.mvgen.train.Checkpoint.meta(ckpt).step();
          } catch (Exception e) {
            fail(name + ": a reader saw a half-written checkpoint: " + e, e);
            return -1;
          }
          reads++;
          if (signalled < 0 && step >= signalAt) {
            Assumptions.assumeFalse(
                ignoresSigint(p.pid()),
                "the child JVM ignores SIGINT (inherited from a background job without job control,"
                    + " and env cannot reset it), so Ctrl-C cannot be sent to it");
            signalled = step;
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            assertEquals(0, kill.waitFor(), "kill -INT failed");
          }
        }
        Thread.sleep(2);
      }
      assertTrue(
          p.waitFor(120, TimeUnit.SECONDS), name + ": the interrupted training did not exit");
    } finally {
      p.destroyForcibly();
    }
    String out = Files.readString(outFile);
    String all = name + " run\nstdout:\n" + out + "\nstderr:\n" + Files.readString(errFile);
    assertTrue(signalled >= signalAt, "the training ended before it could be interrupted: " + all);
    assertTrue(reads > 1, "the checkpoint was read while training: " + reads);
    if (resumedFrom >= 0) {
      assertTrue(all.contains("Resuming " + ckpt + " at step " + resumedFrom), all);
    }

    assertEquals(Main.Exit.INTERRUPTED, p.exitValue(), all);
    Matcher m = Pattern.compile("Stopped at step (\\d+)").matcher(out);
    assertTrue(m.find(), all);
    long stopped = Long.parseLong(m.group(1));
    assertTrue(stopped >= signalled && stopped < STEPS, stopped + " after SIGINT at " + signalled);
    assertTrue(out.contains("Continue with: mvgen train"), all);
    assertTrue(out.contains("--resume"), all);
    // The checkpoint of the step it stopped at, complete, and no temporary file left beside it.
    assertEquals(stopped, org.mvgen.train.Checkpoint.meta(ckpt).step(), all);
    assertTrue(
        Files.exists(runDir.resolve(DecoderBundle.FILE_NAME)), "Ctrl-C also saves the bundle");
    try (Stream<Path> files = Files.walk(runDir)) {
      List<Path> tmps = files.filter(AtomicFiles::isTemporary).toList();
      assertTrue(tmps.isEmpty(), "temporary files left: " + tmps);
    }
    return stopped;
  }

  private static List<String> args(Path data, Path runDir, boolean resume, int checkpointEvery) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                data.toString(),
                "--encoder",
                Synthetic.ENCODER,
                "--out",
                runDir.toString(),
                "--steps",
                Integer.toString(STEPS),
                "--batch-size",
                "4",
                "--lr",
                "0.003",
                "--set",
                "model.width=32",
                "--set",
                "model.min_width=8",
                "--set",
                "model.depth=3",
                "--set",
                "train.warmup_steps=5",
                "--set",
                "train.threads=1",
                "--set",
                "train.loader_threads=1",
                // Every step while interrupting: many chances for a reader to catch a torn file.
                "--set",
                "train.checkpoint_every=" + checkpointEvery));
    if (resume) {
      a.add("--resume");
    }
    return a;
  }

  private static Process start(List<String> args, Path out, Path err) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (envResetsSignals()) {
      // A background job without job control inherits SIGINT ignored, and so would the JVM.
      cmd.addAll(List.of("env", "--default-signal=INT"));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
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
    return pb.start();
  }

  /** Whether GNU env can restore default signal handling (coreutils 8.31 and later). */
  private static boolean envResetsSignals() {
    try {
      return new ProcessBuilder("env", "--default-signal=INT", "true")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor()
          == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether process {@code pid} ignores SIGINT (bit 2 of SigIgn in /proc/PID/status). */
  private static boolean ignoresSigint(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring(7).trim(), 16) & 0x2) != 0;
      }
    }
    return false;
  }

  private static byte[] weights(Path bundle) throws Exception {
    return DecoderBundle.readZip(bundle, "bundle").get("weights.bin");
  }
}
