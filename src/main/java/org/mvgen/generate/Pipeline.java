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
 * Pipeline.Stats st = p.run(new FileSource(reader), mp4Sink, Progress.SILENT.start("", 0, ""));
 * </pre>
 *
 * <p>Latents fall on the grid training pairs were made on ({@link
 * org.mvgen.encoder.AlignedLatents}). Offline, they are those of the whole signal, as {@code mvgen
 * encode} computed them, computed chunk by chunk ({@link ChunkedLatents}) so that memory does not
 * grow with the song; live, the stream goes through an encoder session, which is flushed with
 * silence when the source ends so that the latents describing the last audio leave it: the
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
  private final Latents latents;
  private final Feed feed;
  private volatile boolean stopped;

  /** Makes the frame latents of one run: chosen once, when the pipeline is built. */
  private interface Latents {
    FrameLatents open(int maxRead) throws EncoderException;
  }

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
    // How latents are made and how frames are drawn depend only on the encoder and the settings,
    // so they are chosen here, once, as TarsosDSP's AudioDispatcherFactory chooses the source: the
    // loop of run() is the same for render and live.
    int fps = settings.fps();
    double sm = settings.smoothing();
    LatentInterpolator.Mode mode = settings.interpolation();
    if (encoder instanceof WindowEncoder w && settings.exactWindows()) {
      this.latents = maxRead -> new WindowLatents(w, fps, sm, maxRead);
    } else if (settings.live()) {
      this.latents = maxRead -> new SessionLatents(encoder, mode, fps, sm);
    } else {
      // Offline the future is known: the whole signal's latents, as training had, in chunks.
      this.latents = maxRead -> new ChunkedLatents(encoder, mode, fps, sm);
    }
    this.feed = settings.live() ? new LiveFeed() : new OfflineFeed();
  }

  public Settings settings() {
    return settings;
  }

  /** Asks a running {@link #run} to finish after the frame it is on. */
  public void stop() {
    stopped = true;
  }

  /** Whether {@link #stop} was called: a run that returned then did not reach the source's end. */
  public boolean stopped() {
    return stopped;
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
    float[] buf = new float[feed.readSize()];
    long samples = 0;
    FrameLatents fl = null;
    try {
      fl = latents.open(buf.length);
      while (!stopped) {
        int n = source.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        sink.audio(buf, 0, n);
        feed.feed(fl, buf, n, samples, b, sink, frameLimit, progress);
        samples += n;
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
      return new Stats(samples, b.emitted, feed.skipped());
    } catch (EncoderException e) {
      throw new GenerateException(
          "The encoder '" + encoder.spec() + "' failed: " + e.getMessage(), e);
    } finally {
      if (fl != null) {
        fl.close();
      }
    }
  }

  /** How audio reaches the latents and frames leave for the generator: offline or live. */
  private interface Feed {
    /** Samples asked of the source at a time. */
    int readSize();

    /** Feeds {@code n} samples read after {@code before} others and generates what is ready. */
    void feed(
        FrameLatents fl,
        float[] buf,
        int n,
        long before,
        Batch b,
        FrameSink sink,
        long frameLimit,
        Progress progress)
        throws EncoderException, GenerateException;

    /** Frames skipped so far. */
    long skipped();
  }

  /** Offline: large reads, frames generated in full batches. */
  private final class OfflineFeed implements Feed {
    @Override
    public int readSize() {
      return 16384;
    }

    @Override
    public void feed(
        FrameLatents fl,
        float[] buf,
        int n,
        long before,
        Batch b,
        FrameSink sink,
        long frameLimit,
        Progress progress)
        throws EncoderException, GenerateException {
      fl.feed(buf, 0, n);
      // Only frames that start inside the audio read so far: the frame at exactly its end belongs
      // to the video only if more audio follows (render reads a song of unknown length).
      long inside = LatentInterpolator.framesFor(before + n, encoder.sampleRate(), settings.fps());
      drain(fl, b, sink, Math.min(frameLimit, inside), settings.batch(), progress);
    }

    @Override
    public long skipped() {
      return 0;
    }
  }

  /**
   * Live: reads return at once with whatever has arrived (a few ms of audio when keeping up, more
   * after a slow moment); frames are generated one at a time as soon as ready, late ones skipped.
   */
  private final class LiveFeed implements Feed {
    private final Backlog backlog =
        new Backlog((long) settings.maxBacklog() * encoder.sampleRate() / settings.fps());
    private long skipped;

    @Override
    public int readSize() {
      return LIVE_READ;
    }

    @Override
    public void feed(
        FrameLatents fl,
        float[] buf,
        int n,
        long before,
        Batch b,
        FrameSink sink,
        long frameLimit,
        Progress progress)
        throws EncoderException, GenerateException {
      // Fed in steps, noting how much audio had been heard when each frame became ready, so that
      // frames which are late are told apart from frames that merely became ready together (a
      // latent every 2048 samples releases three frames at 60 fps).
      long samples = before;
      for (int off = 0; off < n; off += LIVE_STEP) {
        int m = Math.min(LIVE_STEP, n - off);
        fl.feed(buf, off, m);
        samples += m;
        backlog.note(fl, samples);
      }
      skipped += backlog.skipLate(fl, samples, b.scratch);
      drain(fl, b, sink, frameLimit, 1, progress);
    }

    @Override
    public long skipped() {
      return skipped;
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
