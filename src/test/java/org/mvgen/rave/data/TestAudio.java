package org.mvgen.rave.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.mvgen.media.MediaReader;

/** Test audio: music-like signals, files in several formats, and decoding as preprocess does. */
final class TestAudio {
  private TestAudio() {}

  /**
   * A non-silent signal whose every stretch differs: a chirp-like sum of two partials with a slow
   * amplitude wobble, between about -0.6 and 0.6.
   */
  static float[] music(int n, int rate, long seed) {
    float[] s = new float[n];
    double f1 = 220 + 37 * (seed % 7);
    double f2 = 3.01 * f1;
    for (int i = 0; i < n; i++) {
      double t = i / (double) rate;
      double env = 0.35 + 0.15 * Math.sin(2 * Math.PI * 0.7 * t + seed);
      s[i] =
          (float)
              (env * Math.sin(2 * Math.PI * (f1 * t + 20 * t * t))
                  + 0.2 * Math.sin(2 * Math.PI * f2 * t + seed));
    }
    return s;
  }

  /** A 16-bit PCM WAV file with {@code channels} copies of {@code mono} (a plain Java writer). */
  static void wav16(Path file, float[] mono, int rate, int channels) throws IOException {
    int data = mono.length * 2 * channels;
    ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0x46464952).putInt(36 + data).putInt(0x45564157);
    b.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) channels);
    b.putInt(rate).putInt(rate * 2 * channels).putShort((short) (2 * channels));
    b.putShort((short) 16);
    b.putInt(0x61746164).putInt(data);
    for (float v : mono) {
      short q = (short) Math.round(Math.max(-1, Math.min(1, v)) * 32767);
      for (int c = 0; c < channels; c++) {
        b.putShort(q);
      }
    }
    Files.write(file, b.array());
  }

  /**
   * A long 16-bit mono WAV of {@link #music} written a second at a time, so that the test itself
   * needs no memory in proportion to its length.
   */
  static void longWav(Path file, int seconds, int rate) throws IOException {
    long data = 2L * seconds * rate;
    try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
      h.putInt(0x46464952).putInt((int) (36 + data)).putInt(0x45564157);
      h.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 1);
      h.putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16);
      h.putInt(0x61746164).putInt((int) data);
      out.write(h.array());
      float[] second = music(rate, rate, 11);
      ByteBuffer b = ByteBuffer.allocate(2 * rate).order(ByteOrder.LITTLE_ENDIAN);
      for (int s = 0; s < seconds; s++) {
        b.clear();
        for (int i = 0; i < rate; i++) {
          // Each second differs a little, so no two examples are the same.
          b.putShort(
              (short) Math.round(second[i] * (0.5 + 0.5 * ((s * 7919 + i) % 97) / 97.0) * 32767));
        }
        out.write(b.array());
      }
    }
  }

  /** An audio-only file in {@code format} with {@code codec} (FFmpeg's encoders via JavaCV). */
  static void encode(Path file, float[] mono, int rate, String format, int codec) throws Exception {
    try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), 1)) {
      r.setFormat(format);
      r.setAudioCodec(codec);
      r.setSampleRate(rate);
      r.setAudioBitrate(192_000);
      r.start();
      int block = 1152;
      for (int off = 0; off < mono.length; off += block) {
        int n = Math.min(block, mono.length - off);
        r.recordSamples(rate, 1, FloatBuffer.wrap(mono, off, n));
      }
      r.stop();
    }
  }

  /** A small lossless video (FFV1 + PCM in Matroska) whose sound is {@code mono}. */
  static void video(Path file, float[] mono, int rate, int fps) throws Exception {
    int frames = (int) Math.ceil(mono.length / (double) rate * fps);
    try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), 64, 48, 1)) {
      r.setFormat("matroska");
      r.setFrameRate(fps);
      r.setVideoCodec(avcodec.AV_CODEC_ID_FFV1);
      r.setPixelFormat(avutil.AV_PIX_FMT_BGR0);
      r.setSampleRate(rate);
      r.setAudioCodec(avcodec.AV_CODEC_ID_PCM_S16LE);
      r.start();
      Frame f = new Frame(64, 48, Frame.DEPTH_UBYTE, 3);
      for (int j = 0; j < frames; j++) {
        ByteBuffer img = (ByteBuffer) f.image[0];
        for (int i = 0; i < img.capacity(); i++) {
          img.put(i, (byte) (j * 7 + i));
        }
        r.record(f, avutil.AV_PIX_FMT_BGR24);
      }
      short[] pcm = new short[mono.length];
      for (int i = 0; i < pcm.length; i++) {
        pcm[i] = (short) Math.round(Math.max(-1, Math.min(1, mono[i])) * 32767);
      }
      for (int off = 0; off < pcm.length; off += 1024) {
        int n = Math.min(1024, pcm.length - off);
        r.recordSamples(rate, 1, java.nio.ShortBuffer.wrap(pcm, off, n));
      }
      r.stop();
    }
  }

  /** The file decoded as preprocess decodes it: mono at {@code rate}, through MediaReader. */
  static float[] decode(Path file, int rate) throws Exception {
    float[][] buf = {new float[1 << 16]};
    int[] n = {0};
    try (MediaReader r = MediaReader.open(file, new MediaReader.Options(rate, 0, 0, 0))) {
      r.run(
          new MediaReader.Listener() {
            @Override
            public void audio(float[] samples, int len) {
              if (n[0] + len > buf[0].length) {
                buf[0] = java.util.Arrays.copyOf(buf[0], Math.max(2 * buf[0].length, n[0] + len));
              }
              System.arraycopy(samples, 0, buf[0], n[0], len);
              n[0] += len;
            }

            @Override
            public void frame(long k, byte[] rgb) {}
          });
    }
    return java.util.Arrays.copyOf(buf[0], n[0]);
  }
}
