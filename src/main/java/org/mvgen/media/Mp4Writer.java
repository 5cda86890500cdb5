package org.mvgen.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.FrameRecorder;
import org.mvgen.MvgenException;
import org.mvgen.util.AtomicFiles;

/**
 * Writes RGB frames and mono float audio into an MP4 file: H.264 (libx264, yuv420p) video, AAC
 * audio, with the index at the front ({@code faststart}) so that players can start at once.
 *
 * <pre>
 * try (Mp4Writer w = Mp4Writer.open(Path.of("video.mp4"), new Mp4Writer.Settings(256, 256, 25, 44100))) {
 *   w.writeAudio(pcm, 0, pcm.length);
 *   w.writeFrame(rgb, 0);   // frame after frame
 * }                         // the file appears under its name only now
 * </pre>
 *
 * <p>The file is written to {@code NAME.tmp} and renamed to its final name by a successful {@link
 * #close()}, so a crash or an {@link #abort()} never leaves a corrupt {@code NAME}; an aborted or
 * failed writer deletes its temporary file. {@link #close()} and {@link #abort()} are idempotent.
 * Methods are synchronized: a live recording writes frames from the display thread and audio from
 * the capture thread. Buffers passed in stay the caller's; they are copied before the call returns.
 */
public final class Mp4Writer implements AutoCloseable {

  /**
   * What to write.
   *
   * @param width frame width in pixels (even: yuv420p halves the chroma planes)
   * @param height frame height in pixels (even)
   * @param fps frames per second
   * @param sampleRate audio sample rate in Hz, or 0 for a file without audio
   * @param crf x264 constant rate factor (0 lossless, 18 visually lossless, 23 default)
   * @param preset x264 preset ({@code ultrafast} ... {@code veryslow})
   */
  public record Settings(int width, int height, int fps, int sampleRate, int crf, String preset) {
    /** The highest frame rate written. */
    public static final int MAX_FPS = 240;

    public Settings {
      if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0) {
        throw new IllegalArgumentException(
            "frame size " + width + "x" + height + " must be positive and even (yuv420p)");
      }
      if (fps <= 0 || fps > MAX_FPS) {
        throw new IllegalArgumentException("fps (" + fps + ") must be in 1.." + MAX_FPS);
      }
      if (sampleRate < 0) {
        throw new IllegalArgumentException("sampleRate (" + sampleRate + ") must be >= 0");
      }
      if (crf < 0 || crf > 51) {
        throw new IllegalArgumentException("crf (" + crf + ") must be in 0..51");
      }
      if (preset == null || preset.isBlank()) {
        throw new IllegalArgumentException("preset must be an x264 preset name");
      }
    }

    /** Good quality, fast settings: crf 18, preset {@code veryfast}. */
    public Settings(int width, int height, int fps, int sampleRate) {
      this(width, height, fps, sampleRate, 18, "veryfast");
    }
  }

  /** The MP4 file could not be opened, written or finished. */
  public static final class WriteException extends MvgenException {
    public WriteException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static {
    // libx264 and the muxer print statistics on every file; only errors matter to a user.
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
  }

  private final Path target;
  private final Path tmp;
  private final Settings settings;
  private final FFmpegFrameRecorder recorder;
  private long frames;
  private long samples;
  private boolean closed;

  private Mp4Writer(Path target, Path tmp, Settings settings, FFmpegFrameRecorder recorder) {
    this.target = target;
    this.tmp = tmp;
    this.settings = settings;
    this.recorder = recorder;
  }

  /** Starts writing {@code target} (through {@code target.tmp}); its folder must exist. */
  public static Mp4Writer open(Path target, Settings s) throws WriteException {
    return open(target, s, false);
  }

  /**
   * Starts a recording at {@code target} itself, as a fragmented MP4: a key frame and a fragment
   * every second, each fragment playable once written, so that whatever stops the process (kill -9,
   * a power cut, a display that disappears) leaves a file that plays up to the last second or so.
   * An existing file of that name is replaced at once. {@link #close()} ends the last fragment;
   * {@link #abort()} deletes the file.
   */
  public static Mp4Writer openRecording(Path target, Settings s) throws WriteException {
    return open(target, s, true);
  }

  private static Mp4Writer open(Path target, Settings s, boolean fragmented) throws WriteException {
    Path tmp = fragmented ? target : AtomicFiles.temporary(target);
    FFmpegFrameRecorder r =
        new FFmpegFrameRecorder(tmp.toFile(), s.width(), s.height(), s.sampleRate() > 0 ? 1 : 0);
    // The temporary name ends in .tmp, so the container cannot be guessed from it.
    r.setFormat("mp4");
    r.setVideoCodec(avcodec.AV_CODEC_ID_H264);
    r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
    r.setFrameRate(s.fps());
    // A recording's fragments start at key frames: one a second bounds what a kill loses.
    r.setGopSize(fragmented ? s.fps() : 2 * s.fps());
    r.setVideoOption("preset", s.preset());
    r.setVideoOption("crf", Integer.toString(s.crf()));
    // A fixed thread count keeps the bitstream identical from run to run on any machine. One
    // thread: the decoder network already keeps the cores busy, and x264's frame threads fought
    // libtorch's for them (render at 256²: median 26x real time with 1 thread, 18x with 2).
    r.setVideoOption("threads", "1");
    if (fragmented) {
      // The index once the first fragment is cut (delay_moov: an empty_moov has no edit list for
      // AAC's priming samples, which then stretches the first frame), then self-contained fragments
      // (moof + mdat) from key frame to key frame, written out as each is complete.
      r.setOption("movflags", "+frag_keyframe+delay_moov+default_base_moof");
      r.setOption("flush_packets", "1");
      // No B-frames: with them the first frame is shown one frame late (a fragmented file has no
      // edit list to take the reordering delay back), and x264 holds frames back longer.
      r.setVideoOption("bf", "0");
    } else {
      r.setOption("movflags", "+faststart");
    }
    // No creation time or library version in the file: the same input gives the same bytes.
    r.setOption("fflags", "+bitexact");
    r.setVideoOption("flags", "+bitexact");
    if (s.sampleRate() > 0) {
      r.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
      r.setSampleRate(s.sampleRate());
      r.setAudioChannels(1);
      r.setAudioBitrate(128_000);
      r.setAudioOption("flags", "+bitexact");
    }
    try {
      Files.deleteIfExists(tmp);
      r.start();
    } catch (IOException e) {
      try {
        r.release();
      } catch (FrameRecorder.Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      deleteQuietly(tmp, e);
      throw new WriteException(
          "Cannot start writing "
              + target
              + ": check that its folder exists and is writable, and the frame size "
              + s.width()
              + "x"
              + s.height(),
          e);
    }
    return new Mp4Writer(target, tmp, s, r);
  }

  public Settings settings() {
    return settings;
  }

  /** The final name of the file. */
  public Path target() {
    return target;
  }

  /** Frames written so far. */
  public synchronized long frames() {
    return frames;
  }

  /** Audio samples written so far. */
  public synchronized long samples() {
    return samples;
  }

  /**
   * Appends one frame: packed RGB bytes, {@code width * height * 3} of them from {@code off}. Frame
   * {@code k} is shown at {@code k / fps} seconds.
   */
  public synchronized void writeFrame(byte[] rgb, int off) throws WriteException {
    ensureOpen();
    int w = settings.width();
    int h = settings.height();
    if (off < 0 || off + w * h * 3 > rgb.length) {
      throw new IllegalArgumentException(
          "frame at offset " + off + " does not fit in " + rgb.length + " bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(rgb, off, w * h * 3).slice();
    try {
      recorder.recordImage(w, h, 8, 3, w * 3, avutil.AV_PIX_FMT_RGB24, buf);
    } catch (FrameRecorder.Exception e) {
      throw new WriteException("Cannot encode frame " + frames + " of " + target, e);
    }
    frames++;
  }

  /** Appends {@code len} mono samples (nominally in [-1, 1]) to the audio track. */
  public synchronized void writeAudio(float[] pcm, int off, int len) throws WriteException {
    ensureOpen();
    if (settings.sampleRate() == 0) {
      throw new IllegalStateException("this writer was opened without audio (sampleRate 0)");
    }
    if (len == 0) {
      return;
    }
    FloatBuffer buf = FloatBuffer.wrap(pcm, off, len).slice();
    try {
      recorder.recordSamples(settings.sampleRate(), 1, buf);
    } catch (FrameRecorder.Exception e) {
      throw new WriteException("Cannot encode audio at sample " + samples + " of " + target, e);
    }
    samples += len;
  }

  /** Finishes the file and gives it its final name; does nothing when already closed. */
  @Override
  public synchronized void close() throws WriteException {
    if (closed) {
      return;
    }
    closed = true;
    boolean fragmented = tmp.equals(target);
    try {
      recorder.stop();
      recorder.release();
      // The muxer does not report every failed write of the file's end (the index, faststart's
      // move of it to the front): a full disk there leaves a truncated file behind a successful
      // stop(). Its boxes must tile the file before it may replace anything.
      Mp4Boxes.check(tmp);
      if (!fragmented) {
        AtomicFiles.commit(tmp, target);
      }
    } catch (IOException e) {
      if (fragmented) {
        // A recording keeps the fragments it has: they play, up to the failure.
        throw new WriteException(
            "Cannot finish the recording "
                + target
                + " (disk full? folder removed?); it plays up to the last second written",
            e);
      }
      deleteQuietly(tmp, e);
      throw new WriteException(
          "Cannot finish "
              + target
              + " (disk full? folder removed?): "
              + (Files.exists(target)
                  ? "the file there was left as it was"
                  : "nothing was written"),
          e);
    }
  }

  /** Stops writing and deletes the temporary file: no output appears. Idempotent. */
  public synchronized void abort() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      recorder.release();
    } catch (FrameRecorder.Exception e) {
      // Releasing a half-written context: the file is deleted below anyway.
    }
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot delete the unfinished " + tmp, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(target + " is already closed");
    }
  }

  private static void deleteQuietly(Path p, Exception primary) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }
}
