package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live capture and the live window for real: a tone played into PulseAudio's null sink with {@code
 * paplay} is captured through Java Sound (ALSA → pulse plugin → the sink's monitor, the default
 * source), and the live window under Xvfb changes when the sound does. Needs the environment of
 * {@code .ci/live-env.sh}; skips with the reason otherwise.
 */
class LiveCaptureIT {
  static final int SR = 44100;

  @BeforeAll
  static void needsPulseAudio() {
    assumeTrue(
        run("pactl", "info") == 0,
        "no PulseAudio server reachable: source .ci/live-env.sh to test live capture for real");
    assumeTrue(run("paplay", "--version") == 0, "paplay (pulseaudio-utils) is not installed");
  }

  static int run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** A 16-bit mono WAV of a 440 Hz tone at amplitude 0.5. */
  static Path tone(Path dir, double seconds) throws IOException {
    int n = (int) (seconds * SR);
    ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1);
    b.putInt(SR).putInt(2 * SR).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes()).putInt(2 * n);
    for (int i = 0; i < n; i++) {
      b.putShort((short) (0.5 * 32767 * Math.sin(2 * Math.PI * 440 * i / SR)));
    }
    Path f = dir.resolve("tone.wav");
    Files.write(f, b.array());
    return f;
  }

  static Process play(Path wav) throws IOException {
    return new ProcessBuilder("paplay", "--device=mvgen_null", wav.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  static double rms(float[] x, int off, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += x[off + i] * x[off + i];
    }
    return Math.sqrt(s / n);
  }

  @Test
  void capturesWhatIsPlayedIntoTheNullSink(@TempDir Path dir) throws Exception {
    Path wav = tone(dir, 1.0);
    float[] got = new float[3 * SR];
    int have = 0;
    try (CaptureSource in = CaptureSource.openDevice(null, SR, 1.0)) {
      // 0.5 s of silence first, then the tone.
      while (have < SR / 2) {
        have += in.read(got, have, SR / 2 - have);
      }
      Process p = play(wav);
      while (have < got.length) {
        have += in.read(got, have, got.length - have);
      }
      p.waitFor(5, TimeUnit.SECONDS);
    }
    double before = rms(got, 0, SR / 2);
    double loudest = 0;
    for (int off = SR / 2; off + SR / 10 <= got.length; off += SR / 10) {
      loudest = Math.max(loudest, rms(got, off, SR / 10));
    }
    assertTrue(before < 0.01, "silence before the tone, rms " + before);
    // A 0.5-amplitude sine has rms 0.354.
    assertTrue(loudest > 0.25, "the tone was captured, loudest rms " + loudest);
  }

  @Test
  void theWindowChangesWhenTheAudioChanges(@TempDir Path dir) throws Exception {
    assumeTrue(
        !GraphicsEnvironment.isHeadless(),
        "no display: run under Xvfb (source .ci/live-env.sh) to test the live window");
    Path wav = tone(dir, 4.0);
    int[] r = attempt(wav, dir);
    if (r[1] - r[0] <= 60) {
      // Seen now and then in full CI runs, never alone: the capture stream heard nothing at all
      // (the display ran at 60 fps). Say what the sound server had, then try once more with a
      // new capture stream: the test is about the window following the audio, not about the
      // sound server's start-up.
      System.out.println("no change; sound server's capture streams:");
      new ProcessBuilder("pactl", "list", "short", "source-outputs")
          .inheritIO()
          .start()
          .waitFor(10, TimeUnit.SECONDS);
      r = attempt(wav, dir);
    }
    int cq = r[0];
    int cl = r[1];
    System.out.println("centre red: silence " + cq + ", tone " + cl);
    assertTrue(cl - cq > 60, "screen red went from " + cq + " (silence) to " + cl + " (tone)");
  }

  /** One live session in a window: the centre's red in silence, then while the tone plays. */
  private static int[] attempt(Path wav, Path dir) throws Exception {
    var enc = new TestModels.RmsEncoder(SR, 1024, 0);
    var gen = new TestModels.ColourGenerator(64);
    var settings = new Pipeline.Settings(60, 64, 0.02, 4, true);
    Robot robot = new Robot();
    BufferedImage quiet;
    BufferedImage loud;
    try (LiveSession s =
            new LiveSession(enc, gen, settings, CaptureSource.openDevice(null, SR, 0.25));
        LiveWindow w = LiveWindow.open("mvgen live test", 64, false, new NoControls())) {
      w.overlay(true);
      Thread runner =
          new Thread(
              () -> {
                try {
                  s.run(w);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      runner.start();
      // Frames are on screen once the display clock has shown some.
      for (int i = 0; i < 50 && s.displayStats().shown() < 30; i++) {
        Thread.sleep(100);
      }
      Rectangle area = w.screenBounds();
      quiet = robot.createScreenCapture(area);
      Process p = play(wav);
      // The sound reaches the picture within tens of milliseconds once the stream is running;
      // allow the player and the sound server seconds to start.
      loud = quiet;
      for (int i = 0; i < 100 && red(loud) - red(quiet) <= 60; i++) {
        Thread.sleep(100);
        loud = robot.createScreenCapture(area);
        if (i == 50) {
          // After a busy test run the player sometimes starts before the capture stream does:
          // play the tone once more.
          p.destroy();
          p.waitFor(5, TimeUnit.SECONDS);
          p = play(wav);
        }
      }
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
      s.quit();
      runner.join(5000);
      ImageIO.write(quiet, "png", dir.resolve("quiet.png").toFile());
      ImageIO.write(loud, "png", dir.resolve("loud.png").toFile());
      System.out.println("live window: " + s.displayStats());
    }
    return new int[] {red(quiet), red(loud)};
  }

  /** The centre pixel's red channel: the loudness, for {@link TestModels.ColourGenerator}. */
  static int red(BufferedImage img) {
    return (img.getRGB(img.getWidth() / 2, img.getHeight() / 2) >> 16) & 0xff;
  }

  static final class NoControls implements LiveWindow.Controls {
    @Override
    public void toggleRecording() {}

    @Override
    public void quit() {}
  }
}
