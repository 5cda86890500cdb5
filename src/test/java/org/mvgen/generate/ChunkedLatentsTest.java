package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mvgen.encoder.AlignedLatents;
import org.mvgen.encoder.AudioEncoder;

/**
 * Render's streamed latents are exactly the whole signal's ({@link AlignedLatents#encode}, what
 * training used), for encoders whose latent sees a window, a receptive field either side, or a
 * delay, whatever the signal's length and the sizes of the reads.
 */
class ChunkedLatentsTest {
  static final int SR = 8000;
  static final int FPS = 25;

  /**
   * Latent n sums the padded-and-framed signal over hops [n - 3, n + 3] with weights, zero outside
   * the input: a receptive field of three hops either side, like a convolutional encoder.
   */
  static final class FieldEncoder extends TestModels.RmsEncoder {
    FieldEncoder(int hop) {
      super(SR, hop, 0);
    }

    @Override
    public float[][] encode(float[] pcm) {
      int n = (pcm.length + hop - 1) / hop;
      float[][] z = new float[n][2];
      for (int i = 0; i < n; i++) {
        for (int j = (i - 3) * hop; j < (i + 4) * hop; j++) {
          if (j >= 0 && j < pcm.length) {
            z[i][0] += pcm[j] * (1 + (j - (i - 3) * hop) % 7);
            z[i][1] += pcm[j] * pcm[j];
          }
        }
      }
      return z;
    }
  }

  /** The whole-signal latents per frame, as render computed them before it streamed. */
  static float[][] reference(AudioEncoder e, float[] pcm, long frames) throws Exception {
    LatentInterpolator li =
        new LatentInterpolator(LatentInterpolator.Mode.LINEAR, 2, SR, e.hop(), FPS, 0.1);
    for (float[] z : AlignedLatents.encode(e, pcm)) {
      li.push(z);
    }
    float[][] out = new float[(int) frames][2];
    for (int k = 0; k < frames; k++) {
      li.next(out[k], 0);
    }
    return out;
  }

  static float[][] chunked(AudioEncoder e, float[] pcm, long frames, int read) throws Exception {
    ChunkedLatents c =
        new ChunkedLatents(e, LatentInterpolator.Mode.LINEAR, FPS, 0.1, ChunkedLatents.ALIGN);
    float[][] out = new float[(int) frames][2];
    int k = 0;
    for (int off = 0; off < pcm.length; off += read) {
      c.feed(pcm, off, Math.min(read, pcm.length - off));
      while (k < frames && c.ready(1) > 0) {
        c.next(out[k++], 0);
      }
    }
    c.finish(frames);
    while (k < frames) {
      assertEquals(1, c.ready(1), "frame " + k + " of " + frames + " is ready at the end");
      c.next(out[k++], 0);
    }
    return out;
  }

  static float[] noise(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian() * 0.3f;
    }
    return x;
  }

  @Test
  void streamedLatentsEqualTheWholeSignalsOverManyChunks() throws Exception {
    int hop = 16;
    // Several chunks of 256 rows, the last one partial and not a whole number of hops.
    for (int len : new int[] {100, 256 * hop, 5 * 256 * hop + 77, 9 * 256 * hop - 3}) {
      float[] pcm = noise(len, len);
      long frames = LatentInterpolator.framesFor(len, SR, FPS);
      for (AudioEncoder e :
          new AudioEncoder[] {
            new FieldEncoder(hop),
            new TestModels.RmsEncoder(SR, hop, 5 * hop + 3),
            new TestModels.WindowRms(SR, hop, 9 * hop)
          }) {
        float[][] want = reference(e, pcm, frames);
        for (int read : new int[] {1000, 16384, 7}) {
          float[][] got = chunked(e, pcm, frames, read);
          for (int k = 0; k < frames; k++) {
            assertArrayEquals(
                want[k], got[k], "frame " + k + " of " + len + " samples, reads of " + read);
          }
        }
      }
    }
  }

  @Test
  void contextCoversTheEncodersDelayAndWindowAndIsAligned() {
    assertEquals(256, ChunkedLatents.context(new TestModels.RmsEncoder(SR, 2048, 0)));
    assertEquals(512, ChunkedLatents.context(new TestModels.RmsEncoder(SR, 16, 300 * 16)));
    assertEquals(512, ChunkedLatents.context(new TestModels.WindowRms(SR, 16, 250 * 16)));
  }
}
