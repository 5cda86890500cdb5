package org.mvgen.encoder;

/**
 * Turns mono audio into a sequence of latent vectors, one every {@link #hop()} samples.
 *
 * <pre>
 * try (AudioEncoder enc = Encoders.open("mel", config)) {
 *   float[][] z = enc.encode(pcm);       // z[n] describes the audio around sample n * hop
 * }
 * </pre>
 *
 * <p>Time convention: latent {@code n} describes the audio that ends at sample {@code (n + 1) *
 * hop()} of the input, once the encoder's delay is compensated. {@link #encode} returns latents
 * with the delay already removed; a {@link Session} cannot see the future, so its latent {@code n}
 * arrives {@link #delay()} samples after the audio it describes.
 *
 * <p>Implementations are not thread-safe; use one instance per thread, one session per continuous
 * stream.
 */
public interface AudioEncoder extends AutoCloseable {
  /**
   * A stable identifier of this encoder and its weights (for example {@code mel-64-3f9a2c1b}),
   * stored with every latent file so that latents of different encoders are never mixed.
   */
  String id();

  /** The spec string this encoder was opened from ({@code mel}, {@code rave:model.ts}). */
  String spec();

  /** Sample rate of the audio it accepts, in Hz. */
  int sampleRate();

  /** Number of values in one latent vector. */
  int latentSize();

  /** Samples of input per latent frame. */
  int hop();

  /** Samples between audio entering a streaming session and its latent leaving it. */
  int delay();

  /**
   * Encodes a whole signal. Returns {@code ceil(pcm.length / hop())} latents; the last partial hop
   * is zero-padded, never dropped. The result is deterministic unless the encoder was opened in a
   * sampling mode.
   */
  float[][] encode(float[] pcm) throws EncoderException;

  /** Opens a streaming session for live input. */
  Session openSession() throws EncoderException;

  @Override
  void close();

  /** A continuous stream through the encoder; keeps state between calls. */
  interface Session extends AutoCloseable {
    /**
     * Feeds {@code len} samples (any number) and returns the latents that became available, in
     * order (possibly none). The returned arrays belong to the caller.
     */
    float[][] push(float[] pcm, int off, int len) throws EncoderException;

    /** Forgets all state: the next sample starts a new, unrelated signal. */
    void reset();

    @Override
    void close();
  }
}
