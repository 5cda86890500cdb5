package org.mvgen.generate;

import org.mvgen.encoder.WindowEncoder;

/**
 * Frame latents of a {@link WindowEncoder}: frame {@code k} gets the latent of exactly the window
 * of audio that ends at {@code e(k)} — the same latent {@code mvgen encode} stored for training
 * pair {@code k} — available as soon as that sample arrives, with no interpolation and no waiting.
 */
final class WindowLatents implements FrameLatents {
  private final WindowEncoder encoder;
  private final int fps;
  private final Smoother smoother;
  private final int window;

  /** Recent audio, by absolute sample index modulo its length; holds a window plus a read. */
  private final float[] history;

  private final float[] win;
  private final float[] z;
  private long total;
  private long frame;

  WindowLatents(WindowEncoder encoder, int fps, double smoothing, int maxRead) {
    this.encoder = encoder;
    this.fps = fps;
    this.smoother = new Smoother(fps, smoothing);
    this.window = encoder.window();
    this.history = new float[window + maxRead + encoder.sampleRate()];
    this.win = new float[window];
    this.z = new float[encoder.latentSize()];
  }

  @Override
  public void feed(float[] pcm, int off, int len) {
    for (int i = 0; i < len; i++) {
      history[(int) ((total + i) % history.length)] = pcm[off + i];
    }
    total += len;
  }

  @Override
  public void finish(long frames) {}

  @Override
  public long frame() {
    return frame;
  }

  @Override
  public int ready(int max) {
    int n = 0;
    while (n < max && LatentInterpolator.endSample(frame + n, encoder.sampleRate(), fps) <= total) {
      n++;
    }
    return n;
  }

  @Override
  public void next(float[] dst, int off) {
    long e = LatentInterpolator.endSample(frame, encoder.sampleRate(), fps);
    if (e > total || total - (e - window) > history.length) {
      throw new IllegalStateException("frame " + frame + " ends at " + e + "; have " + total);
    }
    for (int i = 0; i < window; i++) {
      long s = e - window + i;
      // Zero padding before the start, as in the dataset's windows.
      win[i] = s < 0 ? 0 : history[(int) (s % history.length)];
    }
    encoder.encodeWindow(win, 0, z, 0);
    smoother.apply(z, 0, z.length, dst, off);
    frame++;
  }
}
