package org.mvgen.decoder;

/**
 * Turns latent vectors into square RGB frames: the trained decoder as generation sees it.
 *
 * <p>Frames are packed RGB bytes, row-major, {@code frameSize() * frameSize() * 3} per frame, frame
 * after frame. The caller owns both arrays; implementations do not keep them after the call
 * returns. Not thread-safe.
 */
public interface FrameGenerator extends AutoCloseable {
  int latentSize();

  int frameSize();

  /**
   * Generates {@code n} frames from {@code n} latents laid out as {@code latents[i * latentSize() +
   * j]} into {@code rgb}, which must hold at least {@code n} frames.
   */
  void generate(float[] latents, int n, byte[] rgb);

  @Override
  void close();
}
