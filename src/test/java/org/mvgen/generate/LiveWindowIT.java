package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.AWTError;
import java.awt.Frame;
import java.awt.GraphicsDevice;
import java.awt.GraphicsEnvironment;
import java.awt.HeadlessException;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import javax.swing.SwingUtilities;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;

/**
 * The live window's keys for real: under an X display (Xvfb from {@code .ci/live-env.sh}), real key
 * presses from {@link Robot} reach the window: F toggles fullscreen, O the overlay, R starts and
 * stops a recording that is a valid MP4, Q ends the session; once through {@link LiveWindow} and a
 * {@link LiveSession} fed from a file, once through {@code mvgen live} itself. Also how {@code
 * mvgen live} fails without an input device. Skips, saying why, when no display is reachable.
 */
class LiveWindowIT {
  static final int SR = 16000;

  @TempDir static Path dir;

  /** Why no window can be opened from this JVM, or null when a display is reachable. */
  static String displayProblem() {
    if (GraphicsEnvironment.isHeadless()) {
      return "no X display reachable (DISPLAY="
          + System.getenv("DISPLAY")
          + ", java.awt.headless="
          + System.getProperty("java.awt.headless")
          + "): source .ci/live-env.sh to test the live window under Xvfb";
    }
    try {
      GraphicsEnvironment.getLocalGraphicsEnvironment().getDefaultScreenDevice();
      return null;
    } catch (AWTError | HeadlessException e) {
      return "cannot connect to the X display "
          + System.getenv("DISPLAY")
          + " ("
          + e.getMessage()
          + "): source .ci/live-env.sh to test the live window under Xvfb";
    }
  }

  @BeforeEach
  void needsADisplay() {
    String why = displayProblem();
    assumeTrue(why == null, why);
  }

  /** Polls {@code cond} every 20 ms for up to {@code ms}; fails saying what did not happen. */
  /** Whether {@code cond} holds within {@code millis}. */
  static boolean within(long millis, java.util.function.BooleanSupplier cond)
      throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < end) {
      if (cond.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return cond.getAsBoolean();
  }

  static void await(String what, long ms, BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + ms * 1_000_000;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        fail("within " + ms + " ms: " + what);
      }
      Thread.sleep(20);
    }
  }

  /** Real key strokes through the X server, to the window that has the focus. */
  static final class Keys {
    final Robot robot;

    Keys() throws Exception {
      robot = new Robot();
      robot.setAutoDelay(20);
    }

    /** Clicks into {@code f} so that it has the keyboard focus; skips when it cannot get it. */
    void focus(Frame f, Rectangle area) throws InterruptedException {
      robot.mouseMove(area.x + area.width / 2, area.y + area.height / 2);
      robot.mousePress(InputEvent.BUTTON1_DOWN_MASK);
      robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK);
      robot.waitForIdle();
      long end = System.nanoTime() + 3_000_000_000L;
      while (!f.isFocused() && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assumeTrue(f.isFocused(), "the live window did not get the keyboard focus on this display");
    }

    void press(int key) {
      robot.keyPress(key);
      robot.keyRelease(key);
      robot.waitForIdle();
    }

    /** Near-white pixels in the top 22 rows of {@code area}: the overlay's text. */
    int overlayText(Rectangle area) {
      BufferedImage img = robot.createScreenCapture(new Rectangle(area.x, area.y, area.width, 22));
      int n = 0;
      for (int y = 0; y < img.getHeight(); y++) {
        for (int x = 0; x < img.getWidth(); x++) {
          int p = img.getRGB(x, y);
          if ((p >> 16 & 0xff) > 200 && (p >> 8 & 0xff) > 200 && (p & 0xff) > 200) {
            n++;
          }
        }
      }
      return n;
    }
  }

  /** The showing frame whose title starts with {@code title}, or null. */
  static Frame window(String title) {
    for (Frame f : Frame.getFrames()) {
      if (f.isShowing() && f.getTitle().startsWith(title)) {
        return f;
      }
    }
    return null;
  }

  /** Where the content of {@code f} (the frames and the overlay) is on the screen. */
  static Rectangle content(Frame f) {
    AtomicReference<Rectangle> r = new AtomicReference<>();
    try {
      SwingUtilities.invokeAndWait(
          () -> {
            var c = ((javax.swing.JFrame) f).getContentPane();
            var p = c.getLocationOnScreen();
            r.set(new Rectangle(p.x, p.y, c.getWidth(), c.getHeight()));
          });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return r.get();
  }

  static boolean fullscreen(Frame f) {
    GraphicsDevice d = f.getGraphicsConfiguration().getDevice();
    return d.getFullScreenWindow() == f
        && f.getBounds().equals(d.getDefaultConfiguration().getBounds());
  }

  /** Asserts that {@code mp4} is a finished H.264 + AAC file whose sound lasts as its picture. */
  static double assertValidRecording(Path mp4, int fps) throws Exception {
    assertTrue(Files.isRegularFile(mp4), mp4 + " was written");
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
      g.start();
      assertEquals("h264", g.getVideoCodecName());
      assertEquals("aac", g.getAudioCodecName());
      int frames = 0;
      while (g.grabImage() != null) {
        frames++;
      }
      double seconds = frames / (double) fps;
      assertTrue(seconds > 0.5, frames + " frames recorded");
      assertEquals(seconds, g.getLengthInTime() / 1e6, 0.1, "picture and sound last as long");
      return seconds;
    }
  }

  /** What the keys of the window do in a test: what {@code mvgen live}'s controls do. */
  static final class Controls implements LiveWindow.Controls {
    final AtomicReference<LiveSession> session = new AtomicReference<>();
    final Path target;
    final List<Path> saved = new ArrayList<>();
    final AtomicInteger quits = new AtomicInteger();
    volatile Exception failure;

    Controls(Path target) {
      this.target = target;
    }

    @Override
    public void toggleRecording() {
      try {
        Path p = session.get().toggleRecording(target);
        if (p != null) {
          saved.add(p);
        }
      } catch (GenerateException e) {
        failure = e;
      }
    }

    @Override
    public void quit() {
      quits.incrementAndGet();
      session.get().quit();
    }
  }

  @Test
  void keysToggleFullscreenAndOverlayRecordAndQuit() throws Exception {
    int fps = 30;
    Path target = dir.resolve("keys.mp4");
    Controls controls = new Controls(target);
    var settings = new Pipeline.Settings(fps, 64, 0.02, 4, true);
    AtomicReference<Object> outcome = new AtomicReference<>();
    try (LiveSession s =
            new LiveSession(
                new TestModels.WindowRms(SR, 512, 1024),
                new TestModels.ColourGenerator(64),
                settings,
                CaptureSource.pacedPcm(TestModels.bursts(SR, 120), SR, 128, 1.0));
        LiveWindow w = LiveWindow.open("mvgen keys test", 64, false, controls)) {
      controls.session.set(s);
      Thread runner =
          new Thread(
              () -> {
                try {
                  outcome.set(s.run(w));
                } catch (Exception e) {
                  outcome.set(e);
                }
              });
      runner.setDaemon(true);
      runner.start();
      await("30 frames shown", 10_000, () -> s.displayStats().shown() >= 30);
      Frame f = window("mvgen keys test");
      assertTrue(f != null, "the window is showing");
      Keys keys = new Keys();
      keys.focus(f, w.screenBounds());

      // O: the overlay's white text appears over the frame, and O again takes it away.
      assertEquals(0, keys.overlayText(w.screenBounds()), "no overlay at the start");
      keys.press(KeyEvent.VK_O);
      if (!within(5000, () -> keys.overlayText(w.screenBounds()) > 100)) {
        // Once in a full CI run the first synthetic key of a fresh Xvfb (no window manager) never
        // reached the window, which had the focus; send it again rather than fail on the display.
        System.out.println("O was not seen; pressing it again");
        keys.focus(f, w.screenBounds());
        keys.press(KeyEvent.VK_O);
      }
      await("the overlay shows after O", 5000, () -> keys.overlayText(w.screenBounds()) > 100);
      System.out.println("overlay: " + keys.overlayText(w.screenBounds()) + " white pixels");
      ImageIO.write(
          keys.robot.createScreenCapture(w.screenBounds()),
          "png",
          dir.resolve("overlay.png").toFile());
      keys.press(KeyEvent.VK_O);
      await("the overlay goes after O again", 5000, () -> keys.overlayText(w.screenBounds()) == 0);

      // F: fullscreen on the window's screen, and back to the same window with F again.
      Rectangle windowed = f.getBounds();
      assertFalse(fullscreen(f));
      keys.press(KeyEvent.VK_F);
      await("fullscreen after F", 5000, () -> fullscreen(f));
      keys.press(KeyEvent.VK_F);
      await(
          "windowed again after F, at " + windowed,
          5000,
          () -> !fullscreen(f) && f.getBounds().equals(windowed));

      // R: a recording starts; R again finishes it.
      keys.press(KeyEvent.VK_R);
      await("recording after R", 2000, s::recording);
      Thread.sleep(1500);
      keys.press(KeyEvent.VK_R);
      await("the recording finished after R again", 5000, () -> !controls.saved.isEmpty());
      assertFalse(s.recording());
      assertNull(controls.failure);
      assertEquals(List.of(target), controls.saved);

      // Q: the session ends.
      keys.press(KeyEvent.VK_Q);
      runner.join(5000);
      assertFalse(runner.isAlive(), "the session ended after Q");
      assertEquals(1, controls.quits.get());
      assertTrue(outcome.get() instanceof LiveSession.Result, "run returned " + outcome.get());
    }
    double seconds = assertValidRecording(target, fps);
    assertTrue(seconds > 1.0 && seconds < 6, seconds + " s recorded between the two R's");
  }

  static Path model;

  static synchronized Path model() throws Exception {
    if (model == null) {
      model = TestModels.untrainedMelModel(dir);
    }
    return model;
  }

  @Test
  void mvgenLiveAnswersItsKeysAndFinishesTheRecording() throws Exception {
    assumeTrue(
        LiveCaptureIT.run("pactl", "info") == 0,
        "no PulseAudio server for `mvgen live`'s default input: source .ci/live-env.sh");
    Path m = model();
    Path rec = dir.resolve("cli.mp4");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicReference<Integer> code = new AtomicReference<>();
    Thread cli =
        new Thread(
            () ->
                code.set(
                    Main.commandLine(new PrintWriter(out), new PrintWriter(err))
                        .execute(
                            "live",
                            "--model",
                            m.toString(),
                            "--record",
                            rec.toString(),
                            "--fullscreen",
                            "--fps",
                            "30",
                            "--set",
                            "video.size=64")));
    cli.setDaemon(true);
    cli.start();
    await(
        "the window of `mvgen live` shows (" + err + ")",
        60_000,
        () -> window("mvgen live:") != null);
    Frame f = window("mvgen live:");
    await("--fullscreen starts fullscreen", 5000, () -> fullscreen(f));
    await("recording from the start", 5000, () -> out.toString().contains("Recording to"));
    Keys keys = new Keys();
    keys.focus(f, content(f));

    keys.press(KeyEvent.VK_F);
    await("windowed after F", 5000, () -> !fullscreen(f));
    // The untrained model's frames may have a few white pixels of their own.
    int before = keys.overlayText(content(f));
    keys.press(KeyEvent.VK_O);
    await(
        "the overlay shows after O (" + before + " white pixels before)",
        5000,
        () -> keys.overlayText(content(f)) > before + 100);
    System.out.println(
        "mvgen live overlay: "
            + before
            + " white pixels before O, "
            + keys.overlayText(content(f)));
    Thread.sleep(1000);
    keys.press(KeyEvent.VK_R);
    await("R stops the recording", 5000, () -> out.toString().contains("Recording saved: " + rec));
    keys.press(KeyEvent.VK_Q);
    cli.join(10_000);
    assertFalse(cli.isAlive(), "`mvgen live` ended after Q");
    assertEquals(Main.Exit.OK, code.get(), err.toString());
    assertTrue(out.toString().contains("frames generated"), out.toString());
    assertValidRecording(rec, 30);
    assertTrue(window("mvgen live:") == null, "the window closed");
  }
}
