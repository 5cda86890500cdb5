package org.mvgen.generate;

import org.mvgen.decoder.FrameGenerator;
import org.mvgen.encoder.AudioEncoder;

/** Small honest stand-ins for the real encoder and decoder, to test the pipeline around them. */
final class TestModels {
  private TestModels() {}

  /**
   * Latent n = (RMS, mean) of hop n, i.e. of samples [n*hop, (n+1)*hop). A session emits latent n
   * only once {@code delay} more samples have arrived, like a real causal encoder with look-ahead.
   */
  static class RmsEncoder implements AudioEncoder {
    final int sampleRate;
    final int hop;
    final int delay;

    RmsEncoder(int sampleRate, int hop, int delay) {
      this.sampleRate = sampleRate;
      this.hop = hop;
      this.delay = delay;
    }

    @Override
    public String id() {
      return "rms-test";
    }

    @Override
    public String spec() {
      return "rms";
    }

    @Override
    public int sampleRate() {
      return sampleRate;
    }

    @Override
    public int latentSize() {
      return 2;
    }

    @Override
    public int hop() {
      return hop;
    }

    @Override
    public int delay() {
      return delay;
    }

    static float[] features(float[] x, int off, int n, int hop) {
      double ss = 0;
      double s = 0;
      for (int i = 0; i < n; i++) {
        ss += x[off + i] * x[off + i];
        s += x[off + i];
      }
      return new float[] {(float) Math.sqrt(ss / hop), (float) (s / hop)};
    }

    @Override
    public float[][] encode(float[] pcm) {
      int n = (pcm.length + hop - 1) / hop;
      float[][] z = new float[n][];
      for (int i = 0; i < n; i++) {
        z[i] = features(pcm, i * hop, Math.min(hop, pcm.length - i * hop), hop);
      }
      return z;
    }

    @Override
    public Session openSession() {
      return new Session() {
        float[] buf = new float[1 << 12];
        long received;
        long emitted;

        @Override
        public float[][] push(float[] pcm, int off, int len) {
          while (received + len > buf.length) {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
          }
          System.arraycopy(pcm, off, buf, (int) received, len);
          received += len;
          java.util.List<float[]> out = new java.util.ArrayList<>();
          while ((emitted + 1) * hop + delay <= received) {
            out.add(features(buf, (int) (emitted * hop), hop, hop));
            emitted++;
          }
          return out.toArray(new float[0][]);
        }

        @Override
        public void reset() {
          received = 0;
          emitted = 0;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {}
  }

  /** RMS and mean of the exact window ending at each latent's time, like the mel encoder. */
  static final class WindowRms extends RmsEncoder implements org.mvgen.encoder.WindowEncoder {
    final int window;

    WindowRms(int sampleRate, int hop, int window) {
      super(sampleRate, hop, 0);
      this.window = window;
    }

    @Override
    public int window() {
      return window;
    }

    @Override
    public void encodeWindow(float[] pcm, int off, float[] dst, int dstOff) {
      float[] f = features(pcm, off, window, window);
      dst[dstOff] = f[0];
      dst[dstOff + 1] = f[1];
    }
  }

  /** Paints a flat colour from the latent: red = RMS, green = mean, blue = a gradient. */
  static final class ColourGenerator implements FrameGenerator {
    final int size;
    int calls;

    ColourGenerator(int size) {
      this.size = size;
    }

    @Override
    public int latentSize() {
      return 2;
    }

    @Override
    public int frameSize() {
      return size;
    }

    @Override
    public void generate(float[] latents, int n, byte[] rgb) {
      calls++;
      int fb = size * size * 3;
      for (int i = 0; i < n; i++) {
        int r = clamp(latents[2 * i] * 400);
        int g = clamp(128 + latents[2 * i + 1] * 400);
        for (int p = 0; p < size * size; p++) {
          rgb[i * fb + 3 * p] = (byte) r;
          rgb[i * fb + 3 * p + 1] = (byte) g;
          rgb[i * fb + 3 * p + 2] = (byte) (p * 255 / (size * size));
        }
      }
    }

    static int clamp(float v) {
      return Math.max(0, Math.min(255, Math.round(v)));
    }

    @Override
    public void close() {}
  }

  /** Keeps a copy of every frame and all audio. */
  static final class CollectSink implements FrameSink {
    final java.util.TreeMap<Long, byte[]> frames = new java.util.TreeMap<>();
    final int frameBytes;
    long audio;

    CollectSink(int size) {
      this.frameBytes = size * size * 3;
    }

    @Override
    public void audio(float[] pcm, int off, int len) {
      audio += len;
    }

    @Override
    public void frame(long k, byte[] rgb, int off) {
      frames.put(k, java.util.Arrays.copyOfRange(rgb, off, off + frameBytes));
    }
  }

  /** A test song: bursts of a tone separated by silence, so frames react visibly. */
  static float[] bursts(int sampleRate, double seconds) {
    float[] x = new float[(int) Math.round(seconds * sampleRate)];
    for (int i = 0; i < x.length; i++) {
      double t = (double) i / sampleRate;
      double env = (t % 0.5) < 0.2 ? 0.6 : 0.02;
      x[i] = (float) (env * Math.sin(2 * Math.PI * 330 * t) + 0.05);
    }
    return x;
  }

  /**
   * Writes an untrained mel model ({@code model.mvgen}, 64-pixel frames) into {@code dir}: real
   * parts, loaded through libtorch, for tests of the commands' plumbing rather than of pictures.
   */
  static java.nio.file.Path untrainedMelModel(java.nio.file.Path dir) throws Exception {
    org.mvgen.torch.Torch.load();
    try (AudioEncoder enc =
        org.mvgen.encoder.Encoders.open("mel", org.mvgen.config.Config.defaults())) {
      var spec = new org.mvgen.decoder.DecoderSpec(enc.latentSize(), 64, 32, 8, 3, "batch");
      java.nio.file.Path m = dir.resolve("model.mvgen");
      new org.mvgen.decoder.DecoderBundle(
              spec,
              enc.id(),
              enc.spec(),
              org.mvgen.decoder.LatentNorm.identity(enc.latentSize()),
              java.util.Map.of())
          .write(m, new org.mvgen.decoder.DecoderNet(spec));
      return m;
    }
  }
}
