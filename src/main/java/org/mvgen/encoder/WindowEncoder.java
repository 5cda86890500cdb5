package org.mvgen.encoder;

/**
 * An encoder whose latent depends only on a fixed window of audio that ends at the latent's time,
 * so the latent of any window can be computed on its own (the {@code mel} encoder). Dataset
 * encoding uses this to give pair {@code k} exactly the features of its own window.
 */
public interface WindowEncoder extends AudioEncoder {
  /** Samples in the window one latent describes. */
  int window();

  /**
   * Computes the latent of {@code window()} samples of {@code pcm} starting at {@code off} into
   * {@code dst[dstOff .. dstOff + latentSize())}. Reads only; the caller keeps both arrays.
   */
  void encodeWindow(float[] pcm, int off, float[] dst, int dstOff);
}
