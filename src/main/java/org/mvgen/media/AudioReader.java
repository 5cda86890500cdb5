package org.mvgen.media;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Reads the audio of any file FFmpeg reads as a stream of mono float samples at a chosen rate,
 * FFmpeg resampling and mixing down: memory stays a decoded packet or so however long the file.
 *
 * <pre>
 * try (AudioReader r = AudioReader.open(Path.of("song.mp3"), 44100, 60, 15)) {  // 60 s in, 15 s
 *   float[] buf = new float[16384];
 *   for (int n; (n = r.read(buf, 0, buf.length)) &gt;= 0; ) { ... }
 * }
 * </pre>
 *
 * <p>The start is found by counting decoded samples rather than seeking: exact to the sample, so
 * the same start always gives the same audio. Not thread-safe; the caller owns the buffers it
 * passes.
 */
public final class AudioReader implements AutoCloseable {
  static {
    // FFmpeg prints every input's stream layout at its default level; only errors matter here.
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
  }

  private final Path file;
  private final int sampleRate;
  private final FFmpegFrameGrabber grabber;
  private final double totalSeconds;
  private final long want;
  private boolean ended;
  private FloatBuffer pending;
  private long read;
  private boolean closed;

  private AudioReader(
      Path file, int sampleRate, FFmpegFrameGrabber g, long want, double totalSeconds) {
    this.file = file;
    this.sampleRate = sampleRate;
    this.grabber = g;
    this.want = want;
    this.totalSeconds = totalSeconds;
  }

  /**
   * Opens {@code file} for {@code seconds} of its audio from {@code startSeconds} ({@code seconds
   * <= 0}: to the end), as mono float samples at {@code sampleRate}.
   *
   * @throws MediaDecodeException when the file is missing, is not media FFmpeg reads, has no audio,
   *     or has none after {@code startSeconds}
   */
  public static AudioReader open(Path file, int sampleRate, double startSeconds, double seconds)
      throws MediaDecodeException {
    if (!Files.isRegularFile(file)) {
      throw new MediaDecodeException(
          Files.exists(file)
              ? file + " is not a regular file; give a song or video file."
              : "No such file: " + file + ". Give a song or video file.");
    }
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
    boolean ok = false;
    try {
      g.setSampleRate(sampleRate);
      g.setAudioChannels(1);
      g.setSampleFormat(avutil.AV_SAMPLE_FMT_FLT);
      g.start();
      if (!g.hasAudio()) {
        throw new MediaDecodeException(
            file + " has no audio stream; give a song or a video with sound.");
      }
      double total = g.getLengthInTime() > 0 ? g.getLengthInTime() / 1e6 : -1;
      long want = seconds > 0 ? Math.round(seconds * sampleRate) : Long.MAX_VALUE;
      AudioReader r =
          new AudioReader(
              file,
              sampleRate,
              g,
              want,
              total < 0
                  ? -1
                  : Math.max(0, Math.min(total - startSeconds, seconds > 0 ? seconds : total)));
      r.skip(Math.round(Math.max(0, startSeconds) * sampleRate));
      if (!r.fill()) {
        throw new MediaDecodeException(
            file
                + ": no audio after "
                + startSeconds
                + " s (the file is shorter); use a smaller"
                + " --start.");
      }
      ok = true;
      return r;
    } catch (FrameGrabber.Exception e) {
      throw new MediaDecodeException(
          "Cannot decode the audio of " + file + ": is it a media file FFmpeg reads?", e);
    } finally {
      if (!ok) {
        closeQuietly(g);
      }
    }
  }

  /**
   * Decodes {@code seconds} of audio from {@code startSeconds} ({@code seconds <= 0}: to the end)
   * into one array: for short clips only, its memory grows with their length (stream long ones with
   * {@link #read}).
   */
  public static float[] decodeAll(Path file, int sampleRate, double startSeconds, double seconds)
      throws MediaDecodeException {
    try (AudioReader r = open(file, sampleRate, startSeconds, seconds)) {
      float[] out = new float[1 << 16];
      int size = 0;
      for (int n; (n = r.read(out, size, out.length - size)) >= 0; ) {
        size += n;
        if (size == out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2);
        }
      }
      return java.util.Arrays.copyOf(out, size);
    }
  }

  /** The file read. */
  public Path file() {
    return file;
  }

  public int sampleRate() {
    return sampleRate;
  }

  /** Samples handed out so far. */
  public long samplesRead() {
    return read;
  }

  /**
   * The length of what will be read in seconds, from the container's duration (an estimate; -1 when
   * the container does not say), for progress bars.
   */
  public double estimatedSeconds() {
    return totalSeconds;
  }

  /**
   * Reads up to {@code len} samples into {@code dst}; returns how many (at least one), or -1 at the
   * end.
   */
  public int read(float[] dst, int off, int len) throws MediaDecodeException {
    if (closed) {
      throw new IllegalStateException(file + " is closed");
    }
    if (len == 0) {
      return 0;
    }
    if (read >= want) {
      return -1;
    }
    len = (int) Math.min(len, want - read);
    int n = 0;
    while (n < len) {
      if ((pending == null || !pending.hasRemaining()) && !fill()) {
        break;
      }
      int m = Math.min(len - n, pending.remaining());
      pending.get(dst, off + n, m);
      n += m;
    }
    read += n;
    return n == 0 ? -1 : n;
  }

  /** Drops the first {@code samples} decoded samples. */
  private void skip(long samples) throws MediaDecodeException {
    while (samples > 0 && fill()) {
      int s = (int) Math.min(samples, pending.remaining());
      pending.position(pending.position() + s);
      samples -= s;
    }
  }

  /** Decodes the next packet's samples into {@link #pending}; false at the end. */
  private boolean fill() throws MediaDecodeException {
    if (pending != null && pending.hasRemaining()) {
      return true;
    }
    while (!ended) {
      Frame f;
      try {
        f = grabber.grabSamples();
      } catch (FrameGrabber.Exception e) {
        throw new MediaDecodeException(
            "Cannot decode the audio of " + file + " after " + read + " samples: is it damaged?",
            e);
      }
      if (f == null) {
        ended = true;
        return false;
      }
      FloatBuffer b = (FloatBuffer) f.samples[0];
      if (b.hasRemaining()) {
        // The grabber reuses its buffer at the next grab: this slice is valid until then.
        pending = b.slice();
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(grabber);
  }

  private static void closeQuietly(FFmpegFrameGrabber g) {
    try {
      g.close();
    } catch (FrameGrabber.Exception e) {
      // Releasing a reader whose data has all been read (or failed): nothing is lost.
    }
  }
}
