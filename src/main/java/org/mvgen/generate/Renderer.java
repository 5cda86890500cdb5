package org.mvgen.generate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.media.AudioReader;
import org.mvgen.media.MediaDecodeException;
import org.mvgen.media.Mp4Writer;
import org.mvgen.util.Progress;

/**
 * Renders a song into a music video: decodes its audio as it goes, runs the {@link Pipeline} over
 * it and writes H.264 + AAC, in memory that does not grow with the song's length. The video lasts
 * as long as the audio, picture in sync with sound; the same input and settings give the same
 * bytes.
 *
 * <pre>
 * Renderer.Result r = Renderer.render(new Renderer.Request(song, out, 0, 0, settings, 18, "veryfast"),
 *     encoder, generator, ProgressBars.console(System.err));
 * </pre>
 */
public final class Renderer {
  private Renderer() {}

  /**
   * What to render.
   *
   * @param song any audio or video file FFmpeg reads
   * @param output the MP4 to write (replaced atomically)
   * @param startSeconds where in the song to start
   * @param durationSeconds how much to render; 0 or less: to the end
   * @param settings pipeline settings ({@code live} must be false)
   * @param crf x264 quality
   * @param preset x264 preset
   */
  public record Request(
      Path song,
      Path output,
      double startSeconds,
      double durationSeconds,
      Pipeline.Settings settings,
      int crf,
      String preset) {
    public Request {
      if (settings.live()) {
        throw new IllegalArgumentException("render needs non-live pipeline settings");
      }
      if (startSeconds < 0) {
        throw new IllegalArgumentException("start (" + startSeconds + " s) must be >= 0");
      }
    }
  }

  /**
   * What was written: frames, seconds of video, and wall time spent; {@code interrupted}: the
   * render was stopped (Ctrl-C) and nothing was written.
   */
  public record Result(
      Path output, long frames, double seconds, double elapsedSeconds, boolean interrupted) {
    /** Speed as a multiple of real time. */
    public double realTimeFactor() {
      return seconds / Math.max(1e-9, elapsedSeconds);
    }
  }

  /**
   * Renders {@code r}, streaming the song: memory does not grow with its length. On Ctrl-C (or
   * SIGTERM) the render stops, the unfinished file is deleted, and the result says {@code
   * interrupted}; the JVM waits (a few seconds at most) until that is done.
   */
  public static Result render(
      Request r, AudioEncoder encoder, FrameGenerator generator, Progress.Factory progress)
      throws GenerateException, InterruptedException {
    long t0 = System.nanoTime();
    Path parent = r.output().toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new GenerateException(
          "The folder of " + r.output() + " does not exist; create it or choose another -o.");
    }
    int sr = encoder.sampleRate();
    Pipeline.Settings s = r.settings();
    Pipeline pipeline = new Pipeline(encoder, generator, s);
    AudioReader reader;
    try {
      reader = AudioReader.open(r.song(), sr, r.startSeconds(), r.durationSeconds());
    } catch (MediaDecodeException e) {
      throw new GenerateException(e.getMessage(), e.getCause());
    }
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              pipeline.stop();
              try {
                done.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "mvgen-render-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (FileSource source = new FileSource(reader)) {
      double estimate = reader.estimatedSeconds();
      long expected = estimate > 0 ? Math.round(estimate * s.fps()) : 0;
      Mp4Sink sink =
          new Mp4Sink(
              r.output(),
              new Mp4Writer.Settings(s.size(), s.size(), s.fps(), sr, r.crf(), r.preset()));
      // x264 and AAC run on their own thread, overlapping with the decoder.
      AsyncSink async = new AsyncSink(sink, s.size() * s.size() * 3, 64);
      boolean ok = false;
      Pipeline.Stats st;
      try (Progress p = progress.start("render", expected, "frames")) {
        st = pipeline.run(source, async, p);
        if (!pipeline.stopped()) {
          async.close();
          ok = true;
        }
      } finally {
        if (!ok) {
          async.abandon();
          sink.abort();
        }
      }
      return new Result(
          r.output(),
          ok ? st.frames() : 0,
          (double) st.samples() / sr,
          (System.nanoTime() - t0) / 1e9,
          !ok);
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook waited for the countdown above.
      }
    }
  }
}
