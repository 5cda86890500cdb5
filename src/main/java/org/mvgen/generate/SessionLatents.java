package org.mvgen.generate;

import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;

/**
 * Frame latents from an encoder session (live), resampled by a {@link LatentInterpolator}. The
 * session first hears one hop of silence, so its latents fall on the grid of {@link
 * org.mvgen.encoder.AlignedLatents}, the one training pairs were made on. At the end of the audio
 * the session is flushed with silence, which compensates its delay exactly: for a streaming encoder
 * the latents are then those of a whole-signal {@link AudioEncoder#encode}.
 */
final class SessionLatents extends InterpolatedLatents {
  private final AudioEncoder encoder;
  private final AudioEncoder.Session session;

  SessionLatents(AudioEncoder encoder, LatentInterpolator.Mode mode, int fps, double smoothing)
      throws EncoderException {
    super(encoder, mode, fps, smoothing);
    this.encoder = encoder;
    this.session = encoder.openSession();
    float[] silence = new float[encoder.hop()];
    feed(silence, 0, silence.length);
  }

  @Override
  public void feed(float[] pcm, int off, int len) throws EncoderException {
    for (float[] z : session.push(pcm, off, len)) {
      li.push(z);
    }
  }

  @Override
  public void finish(long frames) throws EncoderException {
    // Latents computed over the zero padding beyond the end are what encode() gives for the last
    // partial hop, so render agrees with the whole-signal encoder.
    float[] zeros = new float[encoder.hop()];
    int guard = encoder.delay() / encoder.hop() + 4;
    while (frames > 0 && li.pushed() <= li.latentNeeded(frames - 1) && guard-- > 0) {
      feed(zeros, 0, zeros.length);
    }
  }

  @Override
  public void close() {
    session.close();
  }
}
