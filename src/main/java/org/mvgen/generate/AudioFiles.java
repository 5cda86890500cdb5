package org.mvgen.generate;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/** Decodes the audio of any file FFmpeg reads to mono float at a chosen rate. */
public final class AudioFiles {
  static {
    // FFmpeg prints every input's stream layout at its default level; only errors matter here.
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
  }

  private AudioFiles() {}

  /**
   * Decodes {@code seconds} of audio from {@code startSeconds} ({@code seconds <= 0}: to the end)
   * as mono float samples at {@code sampleRate}; FFmpeg resamples and mixes down.
   */
  public static float[] decodeMono(Path file, int sampleRate, double startSeconds, double seconds)
      throws GenerateException {
    if (!Files.isRegularFile(file)) {
      throw new GenerateException("No such file: " + file + ". Give a song or video file.");
    }
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
      g.setSampleRate(sampleRate);
      g.setAudioChannels(1);
      g.setSampleFormat(avutil.AV_SAMPLE_FMT_FLT);
      g.start();
      if (!g.hasAudio()) {
        throw new GenerateException(
            file + " has no audio stream; give a song or a video with sound.");
      }
      long skip = Math.round(Math.max(0, startSeconds) * sampleRate);
      long want = seconds > 0 ? Math.round(seconds * sampleRate) : Long.MAX_VALUE;
      FloatArray out = new FloatArray();
      Frame f;
      // Skip by counting decoded samples rather than seeking: exact to the sample, so the same
      // --start always gives the same audio.
      while (out.size < want && (f = g.grabSamples()) != null) {
        FloatBuffer b = (FloatBuffer) f.samples[0];
        int n = b.remaining();
        int from = 0;
        if (skip > 0) {
          int s = (int) Math.min(skip, n);
          skip -= s;
          from = s;
        }
        int take = (int) Math.min(n - from, want - out.size);
        out.append(b, b.position() + from, take);
      }
      if (out.size == 0) {
        throw new GenerateException(
            file
                + ": no audio after "
                + startSeconds
                + " s (the file is shorter); use a smaller"
                + " --start.");
      }
      return out.toArray();
    } catch (FrameGrabber.Exception e) {
      throw new GenerateException(
          "Cannot decode the audio of " + file + ": is it a media file FFmpeg reads?", e);
    }
  }

  private static final class FloatArray {
    float[] data = new float[1 << 16];
    int size;

    void append(FloatBuffer b, int at, int n) {
      if (size + n > data.length) {
        data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + n));
      }
      b.get(at, data, size, n);
      size += n;
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(data, size);
    }
  }
}
