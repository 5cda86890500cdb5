package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveSessionTest {
  static final int SR = 16000;

  static LiveSession session(AudioSource src, int fps) throws Exception {
    return new LiveSession(
        new TestModels.RmsEncoder(SR, 512, 256),
        new TestModels.ColourGenerator(16),
        new Pipeline.Settings(fps, 16, 0.05, 8, true),
        src);
  }

  @Test
  void showsFramesAtTheDisplayRateAndRecordsInSync(@TempDir Path dir) throws Exception {
    float[] pcm = TestModels.bursts(SR, 2.0);
    Path rec = dir.resolve("rec.mp4");
    AtomicLong shows = new AtomicLong();
    LiveSession.Result r;
    try (LiveSession s = session(CaptureSource.pacedPcm(pcm, SR, 128, 0.25), 50)) {
      s.toggleRecording(rec);
      r = s.run((rgb, snap, st, lat) -> shows.incrementAndGet());
    }
    // The session ran for the 2 s of audio: the display ticked at ~50 fps throughout.
    assertTrue(r.display().ticks() > 80, "ticks " + r.display().ticks());
    // Every frame whose audio was heard: live does not know the input ends, so the frame at exactly
    // its end (which no rendered video has) may be drawn too.
    long heard = r.frames() + r.skipped();
    long inside = LatentInterpolator.framesFor(pcm.length, SR, 50);
    assertTrue(heard == inside || heard == inside + 1, heard + " frames for " + inside);
    assertEquals(0, r.droppedSamples());
    assertTrue(Files.exists(rec));
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(rec.toFile())) {
      g.start();
      assertEquals("aac", g.getAudioCodecName());
      double seconds = g.getLengthInTime() / 1e6;
      assertEquals(2.0, seconds, 0.15);
      int frames = 0;
      while (g.grabImage() != null) {
        frames++;
      }
      assertEquals(2.0 * 50, frames, 3);
    }
  }

  @Test
  void anInputThatFailsEndsWithItsMessageAndAFinishedRecording(@TempDir Path dir) throws Exception {
    AudioSource failing =
        new AudioSource() {
          final CaptureSource inner =
              CaptureSource.pacedPcm(TestModels.bursts(SR, 5.0), SR, 128, 0.25);
          long n;

          @Override
          public int sampleRate() {
            return SR;
          }

          @Override
          public int read(float[] dst, int off, int len)
              throws GenerateException, InterruptedException {
            if (n > SR) {
              throw new GenerateException("The audio input 'test' stopped delivering sound.");
            }
            int k = inner.read(dst, off, len);
            n += Math.max(0, k);
            return k;
          }

          @Override
          public void close() {
            inner.close();
          }
        };
    Path rec = dir.resolve("rec.mp4");
    try (LiveSession s = session(failing, 25)) {
      s.toggleRecording(rec);
      GenerateException e = assertThrows(GenerateException.class, () -> s.run((a, b, c, d) -> {}));
      assertTrue(e.getMessage().contains("stopped delivering"), e.getMessage());
    }
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(rec.toFile())) {
      g.start();
      assertEquals(1.0, g.getLengthInTime() / 1e6, 0.2);
    }
  }

  @Test
  void quitStopsEverythingPromptly() throws Exception {
    float[] pcm = TestModels.bursts(SR, 30.0);
    try (LiveSession s = session(CaptureSource.pacedPcm(pcm, SR, 128, 0.25), 30)) {
      new Thread(
              () -> {
                try {
                  Thread.sleep(500);
                } catch (InterruptedException e) {
                  return;
                }
                s.quit();
              })
          .start();
      long t0 = System.nanoTime();
      LiveSession.Result r = s.run((a, b, c, d) -> {});
      assertTrue((System.nanoTime() - t0) / 1e9 < 3);
      assertTrue(r.frames() > 5);
    }
  }
}
