package org.mvgen.generate;

import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
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
 * <p>When the source ends, the encoder is flushed with silence so that the latents describing the
 * last audio leave the session: the encoder's delay is compensated exactly, and the number of
 * frames is {@link LatentInterpolator#framesFor} the number of samples, so the video lasts as long
 * as the sound. Live, frames are generated as soon as their latents arrive; if generation falls
 * behind by more than {@link Settings#maxBacklog} frames, the oldest are skipped (their latents
 * still advance the smoothing, so the frames that are drawn are exactly those render would draw).
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
   * @param maxBacklog live only: frames allowed to wait before the oldest are skipped
   */
  public record Settings(
      int fps, int size, double smoothing, int batch, boolean live, int maxBacklog) {
    public Settings {
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
      this(fps, size, smoothing, batch, live, 2);
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
    int gsize = generator.frameSize();
    int size = settings.size();
    int batch = settings.batch();
    LatentInterpolator li =
        new LatentInterpolator(
            dim, encoder.sampleRate(), encoder.hop(), settings.fps(), settings.smoothing());
    Batch b = new Batch(dim, gsize, size, batch);
    // Small reads live (about 6 ms at 44.1 kHz) keep latency low; large ones offline for speed.
    float[] buf = new float[settings.live() ? 256 : 16384];
    long samples = 0;
    long skipped = 0;
    try (AudioEncoder.Session session = encoder.openSession()) {
      while (!stopped) {
        int n = source.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        sink.audio(buf, 0, n);
        samples += n;
        push(li, session.push(buf, 0, n));
        if (settings.live()) {
          skipped += skipBacklog(li, b);
          drain(li, b, sink, frameLimit, 1, progress);
        } else {
          drain(li, b, sink, frameLimit, batch, progress);
        }
      }
      if (!stopped) {
        // The source ended: flush the session with silence until every frame inside the audio has
        // its latents. Latents computed over the zero padding beyond the end are what encode()
        // gives for the last partial hop, so render agrees with the whole-signal encoder.
        long frames =
            Math.min(
                frameLimit,
                LatentInterpolator.framesFor(samples, encoder.sampleRate(), settings.fps()));
        float[] zeros = new float[encoder.hop()];
        int guard = encoder.delay() / encoder.hop() + 4;
        while (frames > 0 && li.pushed() <= li.latentNeeded(frames - 1) && guard-- > 0) {
          push(li, session.push(zeros, 0, zeros.length));
        }
        drain(li, b, sink, frames, 1, progress);
      }
      return new Stats(samples, b.emitted, skipped);
    } catch (EncoderException e) {
      throw new GenerateException(
          "The encoder '" + encoder.spec() + "' failed: " + e.getMessage(), e);
    }
  }

  private static void push(LatentInterpolator li, float[][] zs) {
    for (float[] z : zs) {
      li.push(z);
    }
  }

  /** Live: when more than maxBacklog frames are ready, advances past the oldest ones. */
  private int skipBacklog(LatentInterpolator li, Batch b) {
    int ready = 0;
    for (long k = li.frame();
        ready <= settings.maxBacklog() && li.pushed() > li.latentNeeded(k);
        k++) {
      ready++;
    }
    int skip = 0;
    while (ready - skip > settings.maxBacklog()) {
      li.next(b.scratch, 0);
      skip++;
    }
    return skip;
  }

  /**
   * Generates ready frames below {@code limit} in batches of {@code batch}; leftovers smaller than
   * a batch wait for more latents unless {@code min} allows them.
   */
  private void drain(
      LatentInterpolator li, Batch b, FrameSink sink, long limit, int min, Progress progress)
      throws GenerateException {
    while (li.ready() && li.frame() < limit) {
      if (b.count == 0) {
        b.first = li.frame();
      }
      li.next(b.latents, b.count * b.dim);
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
          FrameScaler.scale(rgb, i * fb, gsize, scaled, 0, size);
          sink.frame(first + i, scaled, 0);
        }
      }
      emitted += count;
      progress.step(count);
      count = 0;
    }
  }
}
