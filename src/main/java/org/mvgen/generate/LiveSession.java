package org.mvgen.generate;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.util.Progress;

/**
 * Live generation: the {@link Pipeline} on a worker thread reading a real-time {@link AudioSource},
 * a {@link FramePacer} on a display thread showing the newest frame at a steady rate, and an
 * optional recording. Three threads never wait on each other: capture writes a ring, the worker
 * writes the newest frame, the display takes it.
 *
 * <pre>
 * try (LiveSession s = new LiveSession(encoder, generator, settings, CaptureSource.openDevice(null, 44100, 0.25))) {
 *   LiveSession.Result r = s.run(window);   // until quit(), the source ends, or it fails
 * }
 * </pre>
 */
public final class LiveSession implements AutoCloseable {
  /**
   * What a session did.
   *
   * @param frames frames generated
   * @param skipped frames the pipeline skipped because generation was behind
   * @param display the display clock's counts
   * @param droppedSamples input samples lost because the pipeline was over the ring's length behind
   * @param seconds audio seconds processed
   */
  public record Result(
      long frames, long skipped, FramePacer.Stats display, long droppedSamples, double seconds) {}

  private final Pipeline pipeline;
  private final AudioSource source;
  private final LiveSink sink;
  private final FramePacer pacer;
  private final CountDownLatch done = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Pipeline.Settings settings;
  private volatile Throwable failure;
  private volatile Pipeline.Stats stats = new Pipeline.Stats(0, 0, 0);
  private FramePacer.Display display;
  private boolean closed;

  public LiveSession(
      AudioEncoder encoder, FrameGenerator generator, Pipeline.Settings s, AudioSource source)
      throws GenerateException {
    if (!s.live()) {
      throw new IllegalArgumentException("live sessions need live pipeline settings");
    }
    this.settings = s;
    this.pipeline = new Pipeline(encoder, generator, s);
    this.source = source;
    this.sink = new LiveSink(s.size(), source.sampleRate(), s.fps());
    this.pacer =
        new FramePacer(
            sink,
            s.fps(),
            s.size(),
            (rgb, snap, st, lat) -> display.show(rgb, snap, st, lat),
            k -> {
              long e = LatentInterpolator.endSample(k, source.sampleRate(), s.fps());
              return e == 0 ? Long.MIN_VALUE : source.arrivalNanos(e - 1);
            },
            // A window encoder makes each frame from its own window; a hop encoder releases the
            // frames of a hop together, the first a hop later than its audio than the last.
            encoder instanceof org.mvgen.encoder.WindowEncoder && s.exactWindows()
                ? 0
                : (long) encoder.hop() * 1_000_000_000L / encoder.sampleRate());
  }

  /** Starts (or, when recording, stops) a recording; returns the finished file when stopping. */
  public Path toggleRecording(Path target) throws GenerateException {
    if (sink.recording()) {
      return sink.stopRecording();
    }
    sink.startRecording(target);
    return null;
  }

  public boolean recording() {
    return sink.recording();
  }

  /** The display clock's counts so far. */
  public FramePacer.Stats displayStats() {
    return pacer.stats();
  }

  /** Asks {@link #run} to return; callable from any thread, idempotent. */
  public void quit() {
    done.countDown();
  }

  /**
   * Asks {@link #run} to return and waits (at most {@code millis}) until it has stopped and closed
   * any recording: what a Ctrl-C handler calls so that the JVM does not exit mid-file, nor while
   * the pipeline's thread is still inside libtorch (whose static destructors run at exit).
   */
  public void quitAndWait(long millis) throws InterruptedException {
    quit();
    finished.await(millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Runs until {@link #quit}, the end of the source, or a failure (a device that disappeared), then
   * stops all threads and finishes any recording properly before returning or throwing.
   */
  public Result run(FramePacer.Display display) throws GenerateException, InterruptedException {
    this.display = display;
    Thread worker =
        new Thread(
            () -> {
              try {
                stats = pipeline.run(source, sink, Progress.SILENT.start("live", 0, "frames"));
              } catch (Throwable t) {
                failure = t;
              } finally {
                done.countDown();
              }
            },
            "mvgen-live-pipeline");
    Thread clock =
        new Thread(
            () -> {
              try {
                pacer.run();
              } catch (InterruptedException e) {
                // Asked to stop.
              } catch (Throwable t) {
                failure = t;
                done.countDown();
              }
            },
            "mvgen-display");
    worker.setDaemon(true);
    clock.setDaemon(true);
    worker.start();
    clock.start();
    try {
      done.await();
    } finally {
      // Every way out (quit, the source's end, a failure in any thread, Ctrl-C) goes through here:
      // the pipeline is stopped and its thread has ended before anyone may free the model, and the
      // recording is finished.
      pipeline.stop();
      source.close();
      worker.interrupt();
      pacer.stop();
      try {
        joinFully(worker);
        // The display thread touches no native model: it is given a bounded time (a display that
        // went away may hold it in AWT).
        clock.join(TimeUnit.SECONDS.toMillis(2));
      } finally {
        // A recording in progress is finished properly even when the input failed.
        try {
          sink.close();
        } finally {
          finished.countDown();
        }
      }
    }
    Throwable t = failure;
    if (t instanceof GenerateException g) {
      throw g;
    } else if (t != null && !(t instanceof InterruptedException)) {
      throw new GenerateException("Live generation failed: " + t, t);
    }
    Pipeline.Stats st = stats;
    long dropped = source instanceof CaptureSource c ? c.droppedSamples() : 0;
    return new Result(
        st.frames(),
        st.skipped(),
        pacer.stats(),
        dropped,
        (double) st.samples() / source.sampleRate());
  }

  /**
   * Waits until {@code t} has ended: the pipeline's thread may be inside the decoder, whose native
   * memory is freed when the model is closed after this session. Interrupts do not cut the wait
   * short (they are passed on once it is over).
   */
  private static void joinFully(Thread t) {
    boolean interrupted = false;
    while (t.isAlive()) {
      try {
        t.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws GenerateException {
    if (closed) {
      return;
    }
    closed = true;
    quit();
    source.close();
    sink.close();
  }
}
