package org.mvgen.decoder;

import java.io.IOException;

/**
 * Random access to (latent, frame) pairs: what training and evaluation need of a dataset. Items are
 * numbered {@code 0 .. size() - 1}; reads are thread-safe, so that loader threads decode in
 * parallel.
 */
public interface PairSource {
  /** Number of pairs. */
  long size();

  int latentSize();

  int frameSize();

  /** Copies the latent of item {@code i} into {@code dst[off .. off + latentSize())}. */
  void latent(long i, float[] dst, int off);

  /** Decodes the frame of item {@code i} (packed RGB) into {@code dst[off ..]}. */
  void rgb(long i, byte[] dst, int off) throws IOException;

  /**
   * Whether item {@code i} is the frame shown right after item {@code i - 1}, in the same source:
   * where the audio-reactivity figure may compare consecutive frames.
   */
  default boolean followsPrevious(long i) {
    return i > 0;
  }

  /** Bytes of one frame. */
  default int frameBytes() {
    return frameSize() * frameSize() * 3;
  }
}
