package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Frame;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;

/**
 * How {@code mvgen live} fails when it cannot run: no display (DISPLAY unset, or naming no X
 * server), no audio input at all, an input that is not there, a {@code --record} file that cannot
 * be written. Each gives a plain message saying what to do and exit code 1, with a real model, so
 * that nothing else fails first. Cases that need another environment than the test JVM's run {@code
 * mvgen} in a new JVM.
 */
class LiveCommandIT {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void makeModel() throws Exception {
    model = TestModels.untrainedMelModel(dir);
  }

  record Run(int code, String output) {}

  /**
   * Runs {@code mvgen ARGS} in a new JVM (no {@code java.awt.headless}), its environment changed by
   * {@code env}: a null value removes the variable.
   */
  static Run mvgen(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.mvgen.cli.Main");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    env.forEach(
        (k, v) -> {
          if (v == null) {
            pb.environment().remove(k);
          } else {
            pb.environment().put(k, v);
          }
        });
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("mvgen " + String.join(" ", args) + " did not exit: " + out);
    }
    return new Run(p.exitValue(), out);
  }

  /** A plain message and exit code 1: no stack trace, no uncaught exception. */
  static void assertPlainFailure(Run r, String... says) {
    assertEquals(Main.Exit.INPUT, r.code(), r.output());
    assertTrue(r.output().startsWith("mvgen: "), r.output());
    assertFalse(r.output().contains("Exception in thread"), r.output());
    assertFalse(r.output().contains("\tat "), r.output());
    for (String s : says) {
      assertTrue(r.output().contains(s), "'" + s + "' in: " + r.output());
    }
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void liveWithDisplayUnsetSaysSoAndExits() throws Exception {
    Run r = mvgen(env("DISPLAY", null), "live", "--model", model.toString());
    assertPlainFailure(r, "No display", "mvgen render");
  }

  @Test
  void liveWithADisplayNoServerAnswersSaysSoAndExits() throws Exception {
    int n = 57;
    while (Files.exists(Path.of("/tmp/.X11-unix/X" + n))) {
      n++;
    }
    Run r = mvgen(env("DISPLAY", ":" + n), "live", "--model", model.toString());
    assertPlainFailure(r, "display ':" + n + "'", "DISPLAY", "mvgen render");
  }

  @Test
  void liveWithNoAudioInputAtAllSaysSoAndExits() throws Exception {
    String why = LiveWindowIT.displayProblem();
    assumeTrue(why == null, why);
    // PulseAudio unreachable: the only input Java Sound sees here (ALSA's default) goes nowhere.
    Map<String, String> noSound = env("PULSE_SERVER", "unix:" + dir.resolve("no-pulse"));
    Run devices = mvgen(noSound, "devices");
    assumeTrue(
        devices.output().contains("No audio input devices"),
        "this machine has an audio input that does not go through PulseAudio: " + devices.output());
    Run r = mvgen(noSound, "live", "--model", model.toString());
    assertPlainFailure(r, "No audio input device", "mvgen devices");
  }

  @Test
  void liveWithAnInputThatIsNotThereSaysSoAndExits() throws Exception {
    String why = LiveWindowIT.displayProblem();
    assumeTrue(why == null, why);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var code = new java.util.concurrent.atomic.AtomicInteger(-1);
    // On a thread: were the input found after all, the command would run until Q.
    Thread cli =
        new Thread(
            () ->
                code.set(
                    Main.commandLine(new PrintWriter(out), new PrintWriter(err))
                        .execute(
                            "live", "--model", model.toString(), "--input", "no-such-input-xyz")));
    cli.setDaemon(true);
    cli.start();
    cli.join(60_000);
    assertFalse(cli.isAlive(), "`mvgen live --input no-such-input-xyz` is running: " + out);
    assertPlainFailure(
        new Run(code.get(), err.toString()),
        "No input device named 'no-such-input-xyz'",
        "mvgen devices");
    for (Frame f : Frame.getFrames()) {
      assertFalse(f.isShowing() && f.getTitle().startsWith("mvgen live"), "a window was left open");
    }
  }

  @Test
  void liveWithARecordFileThatCannotBeWrittenSaysSoAndExits() throws Exception {
    String why = LiveWindowIT.displayProblem();
    assumeTrue(why == null, why);
    assumeTrue(
        LiveCaptureIT.run("pactl", "info") == 0,
        "no PulseAudio server for `mvgen live`'s default input: source .ci/live-env.sh");
    Path rec = dir.resolve("no/such/folder/set.mp4");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var code = new java.util.concurrent.atomic.AtomicInteger(-1);
    // On a thread: were the recording's failure ignored, the command would run until Q.
    Thread cli =
        new Thread(
            () ->
                code.set(
                    Main.commandLine(new PrintWriter(out), new PrintWriter(err))
                        .execute("live", "--model", model.toString(), "--record", rec.toString())));
    cli.setDaemon(true);
    cli.start();
    cli.join(60_000);
    assertFalse(cli.isAlive(), "`mvgen live --record " + rec + "` is running: " + out);
    assertPlainFailure(new Run(code.get(), err.toString()), rec.toString(), "writable");
    for (Frame f : Frame.getFrames()) {
      assertFalse(f.isShowing() && f.getTitle().startsWith("mvgen live"), "a window was left open");
    }
  }
}
