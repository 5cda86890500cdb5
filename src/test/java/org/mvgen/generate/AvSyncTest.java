package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mvgen.audio.WavWriter;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.util.Progress;

/**
 * Picture and sound in sync inside the MP4 files mvgen writes, as a player sees them: a song of
 * isolated tone bursts at known times is rendered (and recorded live), the file is decoded back,
 * each burst is found in the decoded AAC by its timestamp (so the encoder's priming and padding
 * count), and the first video frame that reacts to it is found by its timestamp. The two must agree
 * within one frame period.
 */
class AvSyncTest {
  static final int SR = 44100;

  /**
   * Burst onsets in seconds, off the frame grids of 25 and 60 fps (between 4 and 13 ms before the
   * next frame of either), so that a reaction detected one frame late cannot pass for in sync.
   */
  static final double[] CLICKS = {0.5123, 1.1102, 1.7071, 2.3089};

  /** 100 ms of 1 kHz: longer than a hop of the test encoders, so every encoder hears each. */
  static final int BURST = SR / 10;

  /** Centre red at or above this is a frame that reacts (silence paints red 0, a burst 100+). */
  static final int REACTS = 20;

  /** Onset detection on decoded AAC: a 0.8 sine crosses 0.1 within its first samples. */
  static final double LOUD = 0.1;

  static float[] song(double seconds, double[] clicks) {
    float[] pcm = new float[(int) Math.round(seconds * SR)];
    for (double t : clicks) {
      int c = (int) Math.round(t * SR);
      for (int i = 0; i < BURST; i++) {
        pcm[c + i] = (float) (0.8 * Math.sin(2 * Math.PI * 1000 * i / SR));
      }
    }
    return pcm;
  }

  static Path wav(Path dir, float[] pcm) throws Exception {
    Path f = dir.resolve("clicks.wav");
    try (WavWriter w = new WavWriter(f, SR)) {
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
    return f;
  }

  /** The time of every burst in the file's audio: sample timestamps, as a player schedules them. */
  static List<Double> audioOnsets(Path mp4) throws Exception {
    List<Double> out = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
      g.setSampleFormat(avutil.AV_SAMPLE_FMT_FLT);
      g.setSampleRate(SR);
      g.setAudioChannels(1);
      g.start();
      assertEquals("aac", g.getAudioCodecName());
      double last = Double.NEGATIVE_INFINITY;
      Frame f;
      while ((f = g.grabSamples()) != null) {
        FloatBuffer b = (FloatBuffer) f.samples[0];
        for (int i = 0; i < b.remaining(); i++) {
          double t = f.timestamp / 1e6 + (double) i / SR;
          if (Math.abs(b.get(b.position() + i)) > LOUD) {
            if (t - last > 0.3) {
              out.add(t);
            }
            last = t;
          }
        }
      }
    }
    return out;
  }

  /**
   * The timestamp of the first frame of each reaction (a reacting frame after a quiet one); checks
   * on the way that frame k is stamped k / fps, so that the count of frames means time.
   */
  static List<Double> videoOnsets(Path mp4, int fps) throws Exception {
    List<Double> out = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
      g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
      g.start();
      assertEquals("h264", g.getVideoCodecName());
      int side = g.getImageWidth();
      boolean reacting = false;
      int k = 0;
      Frame f;
      while ((f = g.grabImage()) != null) {
        assertEquals(k * 1_000_000.0 / fps, f.timestamp, 1.0, "timestamp of frame " + k);
        ByteBuffer b = (ByteBuffer) f.image[0];
        int red = b.get(b.position() + side / 2 * f.imageStride + side / 2 * 3) & 0xff;
        if (red >= REACTS && !reacting) {
          out.add(f.timestamp / 1e6);
        }
        reacting = red >= REACTS;
        k++;
      }
    }
    return out;
  }

  static Path render(Path dir, float[] pcm, int fps, AudioEncoder enc) throws Exception {
    Path out = dir.resolve("video-" + fps + ".mp4");
    Renderer.render(
        new Renderer.Request(
            wav(dir, pcm), out, 0, 0, new Pipeline.Settings(fps, 32, 0, 8, false), 20, "veryfast"),
        enc,
        new TestModels.ColourGenerator(32),
        (t, n, u) -> Progress.SILENT.start(t, n, u));
    return out;
  }

  /**
   * The first frame that can react to a burst starting at {@code onset} (a sample index), by the
   * alignment rule: with a window encoder ({@code hop == 0}) the first frame whose window ends
   * after the onset; with a hop encoder the first whose latent (the latest ending at or before the
   * frame's time, on the grid {@code n * hop}) ends after it.
   */
  static long firstReacting(long onset, int fps, int hop) {
    for (long k = 0; ; k++) {
      long e = LatentInterpolator.endSample(k, SR, fps);
      long heardUpTo = hop == 0 ? e : e / hop * hop;
      if (heardUpTo > onset) {
        // Test data: enough of the burst in that latent that the frame visibly reacts.
        assertTrue(heardUpTo - onset >= 64, "burst at sample " + onset + " too close to a frame");
        return k;
      }
    }
  }

  /** Asserts that each burst is seen at most {@code tolerance} after it is heard, never before. */
  static void assertInSync(List<Double> heard, List<Double> seen, double tolerance) {
    assertEquals(heard.size(), seen.size(), "bursts heard " + heard + ", seen " + seen);
    for (int i = 0; i < heard.size(); i++) {
      double lag = seen.get(i) - heard.get(i);
      // 2 ms: how early AAC's pre-echo could make a burst sound to the onset detector.
      assertTrue(
          lag >= -0.002 && lag <= tolerance,
          String.format(
              "burst %d heard at %.4f s, first reacting frame at %.4f s: picture %+.1f ms from"
                  + " sound, allowed 0 to %.1f",
              i, heard.get(i), seen.get(i), lag * 1e3, tolerance * 1e3));
    }
  }

  /**
   * Asserts that burst i is heard at {@code clicks[i] - shift} in the file and seen on exactly the
   * frame the alignment rule gives, frame {@code k0} of the song being the file's first.
   */
  static void assertWhere(
      double[] clicks,
      List<Double> heard,
      List<Double> seen,
      double shift,
      long k0,
      int fps,
      int hop) {
    assertEquals(clicks.length, heard.size(), "bursts heard " + heard);
    assertEquals(clicks.length, seen.size(), "bursts seen " + seen);
    for (int i = 0; i < clicks.length; i++) {
      assertEquals(clicks[i] - shift, heard.get(i), 0.002, "burst " + i + " in the decoded audio");
      long k = firstReacting(Math.round(clicks[i] * SR), fps, hop);
      assertEquals(
          (k - k0) / (double) fps, seen.get(i), 1e-5, "first frame reacting to burst " + i);
    }
  }

  @ParameterizedTest(name = "{0} fps")
  @ValueSource(ints = {25, 60})
  void aRenderedVideoShowsEachBurstWithinAFrameOfItsSound(int fps, @TempDir Path dir)
      throws Exception {
    float[] pcm = song(3.0, CLICKS);
    // A window encoder (like mel): frame k shows the window of audio ending at k / fps.
    Path mp4 = render(dir, pcm, fps, new TestModels.WindowRms(SR, 512, 1024));
    List<Double> heard = audioOnsets(mp4);
    List<Double> seen = videoOnsets(mp4, fps);
    System.out.println(fps + " fps: heard " + heard + ", seen " + seen);
    assertInSync(heard, seen, 1.0 / fps);
    // The sound plays at the song's times (AAC's priming samples are trimmed, nothing is shifted)
    // and the picture reacts on the frame it should.
    assertWhere(CLICKS, heard, seen, 0, 0, fps, 0);
  }

  @Test
  void aRenderWithAHopEncoderStaysInSync(@TempDir Path dir) throws Exception {
    float[] pcm = song(3.0, CLICKS);
    int fps = 25;
    int hop = 512;
    // Like RAVE: a latent per hop. A frame shows the latest latent that ends at or before its
    // time, so it may react up to one hop later than a window encoder's frame.
    Path mp4 = render(dir, pcm, fps, new TestModels.RmsEncoder(SR, hop, 0));
    List<Double> heard = audioOnsets(mp4);
    List<Double> seen = videoOnsets(mp4, fps);
    System.out.println("hop encoder: heard " + heard + ", seen " + seen);
    assertInSync(heard, seen, 1.0 / fps + (double) hop / SR);
    assertWhere(CLICKS, heard, seen, 0, 0, fps, hop);
  }

  /**
   * @param hop 0: a window encoder; else a streaming hop encoder that gives each latent out 3000
   *     samples (68 ms) late, whose delay live generation waits for
   */
  @ParameterizedTest(name = "hop {0}")
  @ValueSource(ints = {0, 512})
  void aLiveRecordingStartedMidStreamKeepsPictureAndSoundTogether(int hop, @TempDir Path dir)
      throws Exception {
    int fps = 60;
    double[] clicks = {1.1102, 1.7071, 2.3089, 2.9093};
    float[] pcm = song(4.0, clicks);
    Path target = dir.resolve("live.mp4");
    AudioEncoder enc =
        hop == 0
            ? new TestModels.WindowRms(SR, 512, 1024)
            : new TestModels.RmsEncoder(SR, hop, 3000);
    // A generous backlog: this test is about the file's timing, not about skipping frames.
    var settings =
        new Pipeline.Settings(fps, 32, 0, 1, true, 1000, LatentInterpolator.Mode.HOLD, true);
    AtomicReference<Object> recorded = new AtomicReference<>();
    LiveSession.Result r;
    try (LiveSession s =
        new LiveSession(
            enc,
            new TestModels.ColourGenerator(32),
            settings,
            CaptureSource.pacedPcm(pcm, SR, 128, 1.0))) {
      // R pressed 0.5 s into the song and again at 3.6 s, as from the window's key handler.
      Thread keys =
          new Thread(
              () -> {
                try {
                  Thread.sleep(500);
                  s.toggleRecording(target);
                  Thread.sleep(3100);
                  recorded.set(s.toggleRecording(null));
                } catch (Exception e) {
                  recorded.set(e);
                }
              });
      keys.start();
      r = s.run((rgb, snap, st, lat) -> {});
      keys.join(5000);
    }
    assertEquals(0, r.droppedSamples());
    assertEquals(0, r.skipped());
    assertEquals(target, recorded.get(), "the second R returns the finished file");
    List<Double> heard = audioOnsets(target);
    List<Double> seen = videoOnsets(target, fps);
    System.out.println("live recording, hop " + hop + ": heard " + heard + ", seen " + seen);
    assertInSync(heard, seen, 1.0 / fps + (double) hop / SR);
    // The recording starts at frame k0 and its audio at the sample that frame ends at, e(k0): every
    // burst is heard k0 / fps earlier in the file than in the song, k0 a whole number of frames.
    assertEquals(clicks.length, heard.size(), "bursts heard " + heard);
    double k0 = (clicks[0] - heard.get(0)) * fps;
    assertEquals(Math.round(k0), k0, 0.12, "the recording starts on a frame");
    assertTrue(Math.round(k0) > 0, "the recording started mid-stream, at frame " + k0);
    long first = Math.round(k0);
    double shift = LatentInterpolator.endSample(first, SR, fps) / (double) SR;
    assertWhere(clicks, heard, seen, shift, first, fps, hop);
  }
}
