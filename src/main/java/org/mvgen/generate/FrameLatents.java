package org.mvgen.generate;

import org.mvgen.encoder.EncoderException;

/**
 * Turns the audio stream into one latent per output frame, in frame order. Implementations: {@link
 * SessionLatents} (an encoder session's latents, live), {@link ChunkedLatents} (the whole signal's
 * latents, offline), {@link WindowLatents} for encoders that can encode the exact window ending at
 * each frame. Not thread-safe: used by the pipeline's thread only.
 */
interface FrameLatents {
  /** Feeds the next audio samples. */
  void feed(float[] pcm, int off, int len) throws EncoderException;

  /** The audio ended: makes every frame inside it available (flushes the encoder's delay). */
  void finish(long frames) throws EncoderException;

  /** Index of the next frame {@link #next} produces. */
  long frame();

  /** How many frames are ready, counting at most {@code max}. */
  int ready(int max);

  /** Writes the next frame's latent (smoothed) to {@code dst[off ..]} and advances. */
  void next(float[] dst, int off);

  /** Releases what the latents hold (an encoder session). */
  default void close() {}
}
