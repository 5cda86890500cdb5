package org.mvgen.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Decodes any file FFmpeg reads into mono float audio at a chosen rate and square RGB frames at a
 * constant frame rate, in one pass and in constant memory.
 *
 * <pre>
 * try (MediaReader r = MediaReader.open(path, new MediaReader.Options(44100, 25, 256, 0))) {
 *   r.run(listener);    // audio(...) and frame(k, rgb) calls, in time order
 * }
 * </pre>
 *
 * <p>Time 0 is the start of the video stream (of the container, for audio alone). Audio is
 * resampled by FFmpeg (swresample) and placed so that sample {@code i} sounds at {@code i /
 * sampleRate}: silence is inserted when the audio stream starts late, and samples before time 0 are
 * dropped. Frames are scaled (swscale, area filter) so the short side equals {@code size},
 * centre-cropped to a square, and sampled at {@code fps} by {@link FrameSampler}. Not thread-safe;
 * {@link #close} is idempotent.
 */
public final class MediaReader implements AutoCloseable {
  static {
    // FFmpeg's own log goes through JavaCV at error level only; mvgen reports problems itself.
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    FFmpegLogCallback.set();
  }

  /**
   * What to decode into.
   *
   * @param sampleRate output audio rate in Hz (0: no audio wanted)
   * @param fps output frame rate (0: no video wanted)
   * @param size side of the square output frames
   * @param threads decoder threads (0: FFmpeg chooses)
   */
  public record Options(int sampleRate, int fps, int size, int threads) {
    public Options {
      if (sampleRate < 0 || fps < 0 || size < 0 || threads < 0) {
        throw new IllegalArgumentException("negative option in " + this);
      }
    }
  }

  /** Receives decoded media, in time order, on the thread that called {@link #run}. */
  public interface Listener {
    /** Mono samples at the output rate; {@code samples[0 .. len)} is valid only during the call. */
    void audio(float[] samples, int len) throws IOException;

    /**
     * Output frame {@code k} as packed RGB ({@code size² * 3} bytes). The same array may be passed
     * for several consecutive {@code k} (a source frame held on screen): do not modify it; it is
     * never reused for another picture, so it may be kept.
     */
    void frame(long k, byte[] rgb) throws IOException;
  }

  private final Path file;
  private final Options options;
  private final FFmpegFrameGrabber grabber;
  private final MediaInfo info;
  private final long origin;
  private final int[] orientation; // null: upright
  private boolean closed;

  private MediaReader(Path file, Options options, FFmpegFrameGrabber grabber, MediaInfo info) {
    this.file = file;
    this.options = options;
    this.grabber = grabber;
    this.info = info;
    this.origin = origin(grabber, options.fps() > 0);
    this.orientation = info.hasVideo() ? orientation(grabber) : null;
  }

  /** Opens {@code file}; fails with a message naming it when FFmpeg cannot read it. */
  public static MediaReader open(Path file, Options options) throws MediaDecodeException {
    if (!Files.exists(file)) {
      throw new MediaDecodeException(file + " does not exist. Check the path.");
    }
    if (!Files.isRegularFile(file)) {
      throw new MediaDecodeException(
          file
              + " is not a regular file ("
              + (Files.isDirectory(file) ? "a folder" : "a pipe, socket or device")
              + "): give a video or audio file.");
    }
    if (!Files.isReadable(file)) {
      throw new MediaDecodeException(file + " is not readable: check its permissions.");
    }
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
    if (options.sampleRate() > 0) {
      g.setSampleRate(options.sampleRate());
      g.setAudioChannels(1);
      g.setSampleMode(FrameGrabber.SampleMode.FLOAT);
    }
    g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
    g.setImageScalingFlags(swscale.SWS_AREA);
    if (options.threads() > 0) {
      g.setVideoOption("threads", Integer.toString(options.threads()));
    } else {
      g.setVideoOption("threads", "auto");
    }
    try {
      g.start();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      try {
        g.release();
      } catch (FrameGrabber.Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new MediaDecodeException(
          file
              + " is not a media file FFmpeg can read ("
              + ffmpegReason(e)
              + "). Check that the file is complete and is a video or audio file.",
          e);
    }
    // A picture attached to a sound file (cover art of an MP3 or FLAC) is a "video stream" to
    // FFmpeg, but one still image: such a file is audio.
    boolean video = g.hasVideo() && hasMovingPicture(g);
    MediaInfo info =
        new MediaInfo(
            g.getFormat(),
            Math.max(0, g.getLengthInTime()),
            video ? g.getVideoCodecName() : null,
            video ? g.getImageWidth() : 0,
            video ? g.getImageHeight() : 0,
            video ? g.getFrameRate() : 0,
            g.hasAudio() ? g.getAudioCodecName() : null,
            g.hasAudio()
                ? g.getFormatContext().streams(audioStream(g)).codecpar().sample_rate()
                : 0,
            g.hasAudio()
                ? g.getFormatContext().streams(audioStream(g)).codecpar().ch_layout().nb_channels()
                : 0);
    MediaReader r = new MediaReader(file, options, g, info);
    if (info.hasVideo() && options.fps() > 0) {
      int w = info.width();
      int h = info.height();
      if (w <= 0 || h <= 0) {
        r.close();
        throw new MediaDecodeException(file + " has a video stream without a picture size.");
      }
      // Scale so that the short side is `size`; the long side is cropped in copyCentre.
      int s = options.size();
      g.setImageWidth(w >= h ? (int) Math.round((double) w * s / h) : s);
      g.setImageHeight(w >= h ? s : (int) Math.round((double) h * s / w));
    }
    return r;
  }

  /**
   * FFmpeg's reason for a failure, without JavaCV's wording: the error code of {@code
   * avformat_open_input() error -1094995529: ...} in FFmpeg's words ("Invalid data found when
   * processing input").
   */
  static String ffmpegReason(Throwable e) {
    String m = String.valueOf(e.getMessage());
    java.util.regex.Matcher code = java.util.regex.Pattern.compile("error (-\\d+)").matcher(m);
    if (code.find()) {
      try {
        byte[] buf = new byte[256];
        avutil.av_strerror(Integer.parseInt(code.group(1)), buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
          n++;
        }
        String why = new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!why.isEmpty()) {
          return why;
        }
      } catch (NumberFormatException ignored) {
        // fall through to the first sentence
      }
    }
    int cut = m.indexOf(". (");
    return cut > 0 ? m.substring(0, cut) : m;
  }

  /** Whether some video stream is a moving picture, not an attached picture (cover art). */
  private static boolean hasMovingPicture(FFmpegFrameGrabber g) {
    var oc = g.getFormatContext();
    for (int i = 0; i < oc.nb_streams(); i++) {
      var st = oc.streams(i);
      if (st.codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO
          && (st.disposition() & avformat.AV_DISPOSITION_ATTACHED_PIC) == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * How frames must be turned to be shown upright: the display matrix of the first moving video
   * stream (side data; the {@code rotate} tag of older files otherwise), reduced to one of the
   * eight right-angle orientations as {@code {a, b, c, d}} in {-1, 0, 1}, mapping the centred point
   * {@code (x, y)} (y down) of the coded picture to {@code (a x + c y, b x + d y)} on screen, as
   * FFmpeg's {@code libavutil/display.h} defines it. Null for upright video and for angles that are
   * not a multiple of 90 degrees (left as they are).
   */
  static int[] orientation(FFmpegFrameGrabber g) {
    var oc = g.getFormatContext();
    for (int i = 0; i < oc.nb_streams(); i++) {
      var st = oc.streams(i);
      var par = st.codecpar();
      if (par.codec_type() != avutil.AVMEDIA_TYPE_VIDEO
          || (st.disposition() & avformat.AV_DISPOSITION_ATTACHED_PIC) != 0) {
        continue;
      }
      double[] m = null;
      var sd =
          avcodec.av_packet_side_data_get(
              par.coded_side_data(), par.nb_coded_side_data(), avcodec.AV_PKT_DATA_DISPLAYMATRIX);
      if (sd != null && !sd.isNull() && sd.size() >= 36) {
        var ints = new org.bytedeco.javacpp.IntPointer(sd.data());
        m = new double[4];
        m[0] = ints.get(0) / 65536.0;
        m[1] = ints.get(1) / 65536.0;
        m[2] = ints.get(3) / 65536.0;
        m[3] = ints.get(4) / 65536.0;
      } else {
        var tag = avutil.av_dict_get(st.metadata(), "rotate", null, 0);
        if (tag != null && !tag.isNull()) {
          try {
            // The tag is clockwise degrees; the matrix of a counter-clockwise angle t is
            // {cos t, -sin t, sin t, cos t}.
            double t = Math.toRadians(-Double.parseDouble(tag.value().getString().strip()));
            m = new double[] {Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)};
          } catch (NumberFormatException e) {
            m = null;
          }
        }
      }
      return m == null ? null : rightAngle(m);
    }
    return null;
  }

  /** The matrix rounded to a signed permutation, or null (identity, or not a right angle). */
  static int[] rightAngle(double[] m) {
    double scale = Math.hypot(m[0], m[2]);
    if (!(scale > 0)) {
      return null;
    }
    int[] r = new int[4];
    for (int i = 0; i < 4; i++) {
      double v = m[i] / scale;
      r[i] = (int) Math.round(v);
      if (Math.abs(v - r[i]) > 0.01) {
        return null; // an odd angle: left as coded
      }
    }
    boolean permutation = Math.abs(r[0]) + Math.abs(r[1]) == 1 && Math.abs(r[0]) == Math.abs(r[3]);
    boolean identity = r[0] == 1 && r[1] == 0 && r[2] == 0 && r[3] == 1;
    return permutation && !identity ? r : null;
  }

  /**
   * Time 0: the start of the video stream when frames are wanted (so that output frame 0 is the
   * first picture, whatever audio priming the container carries), else the container's start.
   */
  private static long origin(FFmpegFrameGrabber g, boolean video) {
    var oc = g.getFormatContext();
    if (video) {
      for (int i = 0; i < oc.nb_streams(); i++) {
        var st = oc.streams(i);
        if (st.codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO
            && st.start_time() != avutil.AV_NOPTS_VALUE) {
          return avutil.av_rescale_q(
              st.start_time(), st.time_base(), avutil.av_make_q(1, 1_000_000));
        }
      }
    }
    long st = oc.start_time();
    return st == avutil.AV_NOPTS_VALUE ? 0 : st;
  }

  private static int audioStream(FFmpegFrameGrabber g) {
    var oc = g.getFormatContext();
    for (int i = 0; i < oc.nb_streams(); i++) {
      if (oc.streams(i).codecpar().codec_type() == avutil.AVMEDIA_TYPE_AUDIO) {
        return i;
      }
    }
    return 0;
  }

  public Path file() {
    return file;
  }

  public MediaInfo info() {
    return info;
  }

  /**
   * Decodes the whole file, calling {@code listener} in time order. A file that breaks off part way
   * (truncated, corrupt) ends the stream there: what was decoded is delivered, and the result says
   * so.
   *
   * @return counts of what was delivered
   */
  public Result run(Listener listener) throws MediaDecodeException, IOException {
    boolean wantAudio = options.sampleRate() > 0 && info.hasAudio();
    boolean wantVideo = options.fps() > 0 && info.hasVideo();
    FrameSampler sampler = new FrameSampler(Math.max(options.fps(), 1));
    AudioPlacer audio = new AudioPlacer(listener, options.sampleRate());
    // Time 0 is the first picture when video is wanted, so that output frame 0 is the first
    // frame whatever the container says about stream start times; audio that arrives before it
    // waits (a fraction of a second at most) until the origin is known.
    long origin = wantVideo ? Long.MIN_VALUE : this.origin;
    java.util.ArrayDeque<float[]> early = new java.util.ArrayDeque<>();
    java.util.ArrayDeque<Long> earlyTimes = new java.util.ArrayDeque<>();
    byte[] held = null;
    long lastVideoEnd = 0;
    String problem = null;
    while (true) {
      Frame f;
      try {
        f = grabber.grabFrame(wantAudio, wantVideo, true, false, false);
      } catch (FrameGrabber.Exception | RuntimeException e) {
        problem = ffmpegReason(e);
        break;
      }
      if (f == null) {
        break;
      }
      if (f.samples != null && wantAudio) {
        FloatBuffer fb = (FloatBuffer) f.samples[0];
        fb.rewind();
        float[] pcm = new float[fb.remaining()];
        fb.get(pcm);
        checkFinite(pcm, f.timestamp);
        if (origin == Long.MIN_VALUE) {
          early.add(pcm);
          earlyTimes.add(f.timestamp);
        } else {
          audio.place(f.timestamp - origin, pcm);
        }
      } else if (f.image != null && wantVideo) {
        if (origin == Long.MIN_VALUE) {
          origin = f.timestamp;
          while (!early.isEmpty()) {
            audio.place(earlyTimes.poll() - origin, early.poll());
          }
        }
        long t = f.timestamp - origin;
        int n = sampler.next(t);
        if (n < 0) {
          continue;
        }
        long k0 = sampler.nextOutput() - n;
        for (int i = 0; i < n; i++) {
          listener.frame(k0 + i, held);
        }
        held = copyCentre(f);
        double rate = info.frameRate() > 0 ? info.frameRate() : options.fps();
        lastVideoEnd = t + Math.round(1e6 / rate);
      }
    }
    long videoFrames = 0;
    if (held != null) {
      int n = sampler.finish(lastVideoEnd);
      long k0 = sampler.nextOutput() - n;
      for (int i = 0; i < n; i++) {
        listener.frame(k0 + i, held);
      }
      videoFrames = sampler.nextOutput();
    }
    return new Result(videoFrames, audio.written, problem);
  }

  /**
   * Places decoded audio on the output timeline: the first block's timestamp decides where sample 0
   * falls (silence before it, or samples dropped before time 0); later blocks follow on
   * contiguously, since decoders' block timestamps jitter by a few samples.
   */
  private static final class AudioPlacer {
    private final Listener listener;
    private final int rate;
    private final float[] zeros = new float[4096];
    private boolean started;
    long written;

    AudioPlacer(Listener listener, int rate) {
      this.listener = listener;
      this.rate = rate;
    }

    void place(long timeMicros, float[] pcm) throws IOException {
      int skip = 0;
      if (!started) {
        started = true;
        long startSample = Math.round(timeMicros * (double) rate / 1e6);
        for (long left = startSample; left > 0; ) {
          int m = (int) Math.min(left, zeros.length);
          listener.audio(zeros, m);
          left -= m;
          written += m;
        }
        skip = (int) Math.min(pcm.length, Math.max(0, -startSample));
        if (skip == pcm.length) {
          started = false; // the whole block is before time 0: decide again with the next
          return;
        }
      }
      if (skip > 0) {
        pcm = java.util.Arrays.copyOfRange(pcm, skip, pcm.length);
      }
      listener.audio(pcm, pcm.length);
      written += pcm.length;
    }
  }

  /**
   * What {@link #run} delivered.
   *
   * @param frames output frames
   * @param samples audio samples (leading silence included)
   * @param problem null when the file decoded to its end, else FFmpeg's complaint
   */
  public record Result(long frames, long samples, String problem) {}

  /**
   * Fails on a NaN or infinite sample (float audio can carry them; no encoder can use them, and
   * they would spread through resampling and any PCA fitted on the data), naming the time.
   */
  private void checkFinite(float[] pcm, long timestampMicros) throws MediaDecodeException {
    for (int i = 0; i < pcm.length; i++) {
      if (!Float.isFinite(pcm[i])) {
        double t = Math.max(0, timestampMicros - origin) / 1e6 + i / (double) options.sampleRate();
        throw new MediaDecodeException(
            String.format(
                java.util.Locale.ROOT,
                "%s: its audio holds a non-finite sample (%s) at %.3f s (sample %d at %d Hz)."
                    + " The file's float audio is damaged there: repair or re-export its sound,"
                    + " or leave the file out.",
                file,
                pcm[i],
                t,
                Math.round(t * options.sampleRate()),
                options.sampleRate()));
      }
    }
  }

  /** Copies the centre square of a scaled RGB frame into a new packed array. */
  private byte[] copyCentre(Frame f) {
    int s = options.size();
    int w = f.imageWidth;
    int h = f.imageHeight;
    int stride = f.imageStride;
    ByteBuffer src = (ByteBuffer) f.image[0];
    int x0 = Math.max(0, (w - s) / 2);
    int y0 = Math.max(0, (h - s) / 2);
    byte[] out = new byte[s * s * 3];
    int rows = Math.min(s, h);
    int cols = Math.min(s, w);
    for (int y = 0; y < rows; y++) {
      src.position((y0 + y) * stride + x0 * 3);
      src.get(out, y * s * 3, cols * 3);
    }
    return orientation == null ? out : orient(out, s, orientation);
  }

  /**
   * Turns a packed RGB square as a display matrix says ({@link #orientation}): the centre square of
   * the coded picture, turned, is the centre square of the picture as shown.
   */
  static byte[] orient(byte[] src, int s, int[] m) {
    byte[] dst = new byte[src.length];
    for (int y = 0; y < s; y++) {
      int q = 2 * y - (s - 1); // doubled centred coordinates stay whole
      for (int x = 0; x < s; x++) {
        int p = 2 * x - (s - 1);
        int dx = (m[0] * p + m[2] * q + s - 1) / 2;
        int dy = (m[1] * p + m[3] * q + s - 1) / 2;
        System.arraycopy(src, (y * s + x) * 3, dst, (dy * s + dx) * 3, 3);
      }
    }
    return dst;
  }

  @Override
  public void close() throws MediaDecodeException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      grabber.close();
    } catch (FrameGrabber.Exception e) {
      throw new MediaDecodeException("Closing the decoder of " + file + " failed", e);
    }
  }
}
