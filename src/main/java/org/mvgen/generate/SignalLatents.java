package org.mvgen.generate;

import org.mvgen.encoder.AlignedLatents;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;

/**
 * Frame latents of a whole signal known in advance (rendering a file): the encoder runs once over
 * all of it, exactly as {@code mvgen encode} ran over the training audio ({@link AlignedLatents}),
 * so a non-streaming encoder such as an offline RAVE export sees the same future context it saw in
 * training, and a streaming one needs no flushing.
 */
final class SignalLatents extends InterpolatedLatents {

  SignalLatents(
      AudioEncoder encoder, float[] pcm, LatentInterpolator.Mode mode, int fps, double smoothing)
      throws EncoderException {
    super(encoder, mode, fps, smoothing);
    for (float[] z : AlignedLatents.encode(encoder, pcm)) {
      li.push(z);
    }
  }

  @Override
  public void feed(float[] pcm, int off, int len) {
    // Every latent is already there.
  }

  @Override
  public void finish(long frames) {}
}
