package org.mvgen.media;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Makes test videos whose content encodes its own position: frame {@code j} shows the binary code
 * of {@code j} as a 4×4 grid of black and white cells over the centre square, and the audio is
 * silence with full-scale-half clicks at known samples. Lossless by default (FFV1 + PCM in
 * Matroska), so a test can check every pair exactly.
 */
public final class TestMedia {
  private TestMedia() {}

  /**
   * Describes a test video.
   *
   * @param width picture width
   * @param height picture height
   * @param fps frame rate of the file
   * @param frames number of frames
   * @param sampleRate audio rate (0: no audio stream)
   * @param clicks sample positions of clicks (value 0.5)
   * @param audioSamples total audio samples
   * @param format container ({@code matroska}, {@code mp4}, ...)
   * @param videoCodec FFmpeg codec id
   * @param audioCodec FFmpeg codec id
   * @param timestampsMicros per-frame timestamps for variable frame rate, or null
   */
  public record Spec(
      int width,
      int height,
      double fps,
      int frames,
      int sampleRate,
      long[] clicks,
      long audioSamples,
      String format,
      int videoCodec,
      int audioCodec,
      long[] timestampsMicros) {

    public static Spec lossless(int frames, double fps, int sampleRate, long[] clicks) {
      return new Spec(
          320,
          240,
          fps,
          frames,
          sampleRate,
          clicks,
          Math.round(frames / fps * sampleRate),
          "matroska",
          avcodec.AV_CODEC_ID_FFV1,
          avcodec.AV_CODEC_ID_PCM_S16LE,
          null);
    }

    public Spec withCodecs(String fmt, int video, int audio) {
      return new Spec(
          width,
          height,
          fps,
          frames,
          sampleRate,
          clicks,
          audioSamples,
          fmt,
          video,
          audio,
          timestampsMicros);
    }

    public Spec withTimestamps(long[] ts) {
      return new Spec(
          width,
          height,
          fps,
          frames,
          sampleRate,
          clicks,
          audioSamples,
          format,
          videoCodec,
          audioCodec,
          ts);
    }

    public Spec withoutAudio() {
      return new Spec(
          width,
          height,
          fps,
          frames,
          0,
          clicks,
          0,
          format,
          videoCodec,
          audioCodec,
          timestampsMicros);
    }
  }

  public static void write(Path file, Spec s) throws Exception {
    try (FFmpegFrameRecorder r =
        new FFmpegFrameRecorder(file.toFile(), s.width(), s.height(), s.sampleRate() > 0 ? 1 : 0)) {
      r.setFormat(s.format());
      r.setFrameRate(s.fps());
      r.setVideoCodec(s.videoCodec());
      if (s.videoCodec() == avcodec.AV_CODEC_ID_FFV1) {
        r.setPixelFormat(avutil.AV_PIX_FMT_BGR0);
      } else {
        r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        r.setVideoQuality(18);
      }
      if (s.sampleRate() > 0) {
        r.setSampleRate(s.sampleRate());
        r.setAudioCodec(s.audioCodec());
        r.setAudioBitrate(192_000);
        if (s.audioCodec() == avcodec.AV_CODEC_ID_VORBIS) {
          r.setAudioOption("strict", "experimental"); // FFmpeg's own Vorbis encoder
        }
      }
      r.start();
      Frame f = new Frame(s.width(), s.height(), Frame.DEPTH_UBYTE, 3);
      for (int j = 0; j < s.frames(); j++) {
        paint((ByteBuffer) f.image[0], f.imageStride, s.width(), s.height(), j);
        if (s.timestampsMicros() != null) {
          r.setTimestamp(s.timestampsMicros()[j]);
        }
        r.record(f, avutil.AV_PIX_FMT_BGR24);
      }
      if (s.sampleRate() > 0) {
        short[] pcm = new short[(int) s.audioSamples()];
        for (long c : s.clicks()) {
          pcm[(int) c] = 16384; // 0.5 as float: exact through s16
        }
        int block = 1024;
        for (int off = 0; off < pcm.length; off += block) {
          int n = Math.min(block, pcm.length - off);
          r.recordSamples(s.sampleRate(), 1, ShortBuffer.wrap(pcm, off, n));
        }
      }
      r.stop();
    }
  }

  /** Paints the code of {@code j} as 4×4 cells over the centre square (bit 0 top-left). */
  static void paint(ByteBuffer buf, int stride, int w, int h, int j) {
    int side = Math.min(w, h);
    int x0 = (w - side) / 2;
    int y0 = (h - side) / 2;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = 40;
        if (x >= x0 && x < x0 + side && y >= y0 && y < y0 + side) {
          int cx = (x - x0) * 4 / side;
          int cy = (y - y0) * 4 / side;
          v = ((j >> (cy * 4 + cx)) & 1) == 1 ? 230 : 20;
        }
        int o = y * stride + x * 3;
        buf.put(o, (byte) v).put(o + 1, (byte) v).put(o + 2, (byte) v);
      }
    }
  }

  /** Reads the code back from a square RGB frame by sampling each cell's centre. */
  public static int readCode(byte[] rgb, int size) {
    int code = 0;
    for (int cy = 0; cy < 4; cy++) {
      for (int cx = 0; cx < 4; cx++) {
        int x = (2 * cx + 1) * size / 8;
        int y = (2 * cy + 1) * size / 8;
        int v = rgb[(y * size + x) * 3 + 1] & 0xff;
        if (v > 128) {
          code |= 1 << (cy * 4 + cx);
        }
      }
    }
    return code;
  }
}
