package org.mvgen.generate;

import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.WindowEncoder;
import org.mvgen.util.Progress;

/**
 * The one generation pipeline: audio source → encoder session → latents interpolated to the frame
 * rate ({@link LatentInterpolator}) → frame generator in batches → frame sink. {@code render} and
 * {@code live} differ only in the source, the sink and {@link Settings#live}.
 *
 * <pre>
 * Pipeline p = new Pipeline(encoder, generator, new Pipeline.Settings(25, 256, 0.08, 16, false));
 * Pipeline.Stats st = p.run(new PcmSource(pcm, 44100), mp4Sink, Progress.SILENT.start("", 0, ""));
 * </pre>
 *
 * <p>Latents fall on the grid training pairs were made on ({@link
 * org.mvgen.encoder.AlignedLatents}). Rendering a signal held in memory ({@link PcmSource}) encodes
 * it whole, as {@code mvgen encode} did; a stream goes through an encoder session, which is flushed
 * with silence when the source ends so that the latents describing the last audio leave it: the
 * encoder's delay is compensated exactly. The number of frames is {@link
 * LatentInterpolator#framesFor} the number of samples, so the video lasts as long as the sound.
 * Live, frames are generated as soon as their latents arrive; a frame that has waited longer than
 * {@link Settings#maxBacklog} frame periods of audio since it became ready is skipped (its latent
 * still advances the smoothing, so the frames that are drawn are exactly those render would draw).
 *
 * <p>{@link #run} runs on the caller's thread; {@link #stop} may be called from any thread.
 */
public final class Pipeline {
  /**
   * How to generate.
   *
   * @param fps output frames per second
   * @param size side of output frames in pixels (the generator's frames are scaled when different)
   * @param smoothing time constant of latent smoothing in seconds (0: none)
   * @param batch frames per generator call
   * @param live generate as soon as latents arrive, skipping frames when behind
   * @param maxBacklog live only: frame periods a ready frame may wait before it is skipped
   * @param interpolation how frames between two latents of a streaming encoder get theirs
   * @param exactWindows for a {@link WindowEncoder} (mel), encode the exact window ending at each
   *     frame — the latents training used — instead of interpolating its hop-spaced latents
   */
  public record Settings(
      int fps,
      int size,
      double smoothing,
      int batch,
      boolean live,
      int maxBacklog,
      LatentInterpolator.Mode interpolation,
      boolean exactWindows) {
    public Settings {
      java.util.Objects.requireNonNull(interpolation, "interpolation");
      if (fps <= 0 || size <= 0 || batch <= 0 || maxBacklog <= 0) {
        throw new IllegalArgumentException(
            "fps "
                + fps
                + ", size "
                + size
                + ", batch "
                + batch
                + ", maxBacklog "
                + maxBacklog
                + " must be positive");
      }
      if (!(smoothing >= 0)) {
        throw new IllegalArgumentException("smoothing (" + smoothing + ") must be >= 0");
      }
    }

    public Settings(int fps, int size, double smoothing, int batch, boolean live) {
      this(fps, size, smoothing, batch, live, 2, LatentInterpolator.Mode.HOLD, true);
    }

    /** The same settings for live (or not). */
    public Settings withLive(boolean on) {
      return new Settings(fps, size, smoothing, batch, on, maxBacklog, interpolation, exactWindows);
    }
  }

  /**
   * What a run did.
   *
   * @param samples audio samples consumed
   * @param frames frames handed to the sink
   * @param skipped frames not generated because generation was behind (live only)
   */
  public record Stats(long samples, long frames, long skipped) {}

  private final AudioEncoder encoder;
  private final FrameGenerator generator;
  private final Settings settings;
  private volatile boolean stopped;

  public Pipeline(AudioEncoder encoder, FrameGenerator generator, Settings settings)
      throws GenerateException {
    if (encoder.latentSize() != generator.latentSize()) {
      throw new GenerateException(
          "The model expects latents of size "
              + generator.latentSize()
              + " but the encoder '"
              + encoder.spec()
              + "' makes "
              + encoder.latentSize()
              + ": use the encoder the model was trained with.");
    }
    this.encoder = encoder;
    this.generator = generator;
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** Asks a running {@link #run} to finish after the frame it is on. */
  public void stop() {
    stopped = true;
  }

  /**
   * Runs until the source ends or {@link #stop} is called. Does not close the source or the sink.
   */
  public Stats run(AudioSource source, FrameSink sink, Progress progress)
      throws GenerateException, InterruptedException {
    return run(source, sink, progress, Long.MAX_VALUE);
  }

  /**
   * Like {@link #run(AudioSource, FrameSink, Progress)} for a source whose length is known: frames
   * at or past {@code frameLimit} are never generated (the frame at exactly the end of the audio
   * belongs to no video).
   */
  public Stats run(AudioSource source, FrameSink sink, Progress progress, long frameLimit)
      throws GenerateException, InterruptedException {
    if (source.sampleRate() != encoder.sampleRate()) {
      throw new IllegalArgumentException(
          "source rate " + source.sampleRate() + " != encoder rate " + encoder.sampleRate());
    }
    int dim = encoder.latentSize();
    Batch b = new Batch(dim, generator.frameSize(), settings.size(), settings.batch());
    // Live reads return at once with whatever has arrived (a few ms of audio when keeping up, more
    // after a slow moment); offline reads are large for speed.
    float[] buf = new float[settings.live() ? LIVE_READ : 16384];
    Backlog backlog =
        new Backlog((long) settings.maxBacklog() * encoder.sampleRate() / settings.fps());
    long samples = 0;
    long skipped = 0;
    SessionLatents session = null;
    try {
      FrameLatents fl;
      if (encoder instanceof WindowEncoder w && settings.exactWindows()) {
        fl = new WindowLatents(w, settings.fps(), settings.smoothing(), buf.length);
      } else if (!settings.live() && source instanceof PcmSource whole) {
        // Offline the future is known: encode the whole signal as training did.
        fl =
            new SignalLatents(
                encoder,
                whole.unread(),
                settings.interpolation(),
                settings.fps(),
                settings.smoothing());
      } else {
        session =
            new SessionLatents(
                encoder, settings.interpolation(), settings.fps(), settings.smoothing());
        fl = session;
      }
      while (!stopped) {
        int n = source.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        sink.audio(buf, 0, n);
        if (settings.live()) {
          // Fed in steps, noting how much audio had been heard when each frame became ready, so
          // that frames which are late are told apart from frames that merely became ready
          // together (a latent every 2048 samples releases three frames at 60 fps).
          for (int off = 0; off < n; off += LIVE_STEP) {
            int m = Math.min(LIVE_STEP, n - off);
            fl.feed(buf, off, m);
            samples += m;
            backlog.note(fl, samples);
          }
          skipped += backlog.skipLate(fl, samples, b.scratch);
          drain(fl, b, sink, frameLimit, 1, progress);
        } else {
          samples += n;
          fl.feed(buf, 0, n);
          drain(fl, b, sink, frameLimit, settings.batch(), progress);
        }
      }
      if (!stopped) {
        // The source ended: every frame inside the audio gets its latents, no more.
        long frames =
            Math.min(
                frameLimit,
                LatentInterpolator.framesFor(samples, encoder.sampleRate(), settings.fps()));
        fl.finish(frames);
        drain(fl, b, sink, frames, 1, progress);
      }
      return new Stats(samples, b.emitted, skipped);
    } catch (EncoderException e) {
      throw new GenerateException(
          "The encoder '" + encoder.spec() + "' failed: " + e.getMessage(), e);
    } finally {
      if (session != null) {
        session.close();
      }
    }
  }

  /** Most samples one live read takes: what waits in the capture ring after a slow moment. */
  static final int LIVE_READ = 8192;

  /** Samples fed at a time live: the resolution at which frames' readiness is known. */
  static final int LIVE_STEP = 128;

  /**
   * Live: remembers how much audio had been heard when each frame became ready, and skips frames
   * that have waited longer than {@code limit} samples of audio since (generation was behind).
   * Frames that became ready together are not late. Skipped frames still pass through {@link
   * FrameLatents#next}, since smoothing carries state.
   */
  static final class Backlog {
    private static final int CAPACITY = 4096;
    private final long limit;
    private final long[] readyAt = new long[CAPACITY];
    private long noted;

    Backlog(long limitSamples) {
      this.limit = limitSamples;
    }

    /** Notes the frames that have become ready, {@code heard} samples into the stream. */
    void note(FrameLatents fl, long heard) {
      noted = Math.max(noted, fl.frame());
      long ready = fl.frame() + fl.ready(CAPACITY - 1);
      for (; noted < ready; noted++) {
        readyAt[(int) (noted % CAPACITY)] = heard;
      }
    }

    /** Skips the ready frames that became ready more than the limit before {@code heard}. */
    int skipLate(FrameLatents fl, long heard, float[] scratch) {
      int skip = 0;
      while (fl.frame() < noted && heard - readyAt[(int) (fl.frame() % CAPACITY)] > limit) {
        fl.next(scratch, 0);
        skip++;
      }
      return skip;
    }
  }

  /**
   * Generates ready frames below {@code limit} in batches; a leftover smaller than {@code min}
   * waits for more latents.
   */
  private void drain(
      FrameLatents fl, Batch b, FrameSink sink, long limit, int min, Progress progress)
      throws GenerateException {
    while (fl.frame() < limit && fl.ready(1) > 0) {
      if (b.count == 0) {
        b.first = fl.frame();
      }
      fl.next(b.latents, b.count * b.dim);
      b.count++;
      if (b.count == b.capacity) {
        b.flush(generator, sink, progress);
      }
    }
    if (b.count >= min) {
      b.flush(generator, sink, progress);
    }
  }

  /** Latents waiting to be generated, and the frame buffers reused batch after batch. */
  private static final class Batch {
    final int dim;
    final int gsize;
    final int size;
    final int capacity;
    final float[] latents;
    final float[] scratch;
    final byte[] rgb;
    final byte[] scaled;
    final FrameScaler scaler;
    int count;
    long first;
    long emitted;

    Batch(int dim, int gsize, int size, int capacity) {
      this.dim = dim;
      this.gsize = gsize;
      this.size = size;
      this.capacity = capacity;
      this.latents = new float[capacity * dim];
      this.scratch = new float[dim];
      this.rgb = new byte[capacity * gsize * gsize * 3];
      this.scaled = gsize == size ? null : new byte[size * size * 3];
      this.scaler = new FrameScaler(gsize, size);
    }

    void flush(FrameGenerator g, FrameSink sink, Progress progress) throws GenerateException {
      if (count == 0) {
        return;
      }
      g.generate(latents, count, rgb);
      int fb = gsize * gsize * 3;
      for (int i = 0; i < count; i++) {
        if (scaled == null) {
          sink.frame(first + i, rgb, i * fb);
        } else {
          scaler.scale(rgb, i * fb, scaled, 0);
          sink.frame(first + i, scaled, 0);
        }
      }
      emitted += count;
      progress.step(count);
      count = 0;
    }
  }
}
