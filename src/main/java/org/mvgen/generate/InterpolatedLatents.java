package org.mvgen.generate;

/**
 * Frame latents read from a {@link LatentInterpolator} that a subclass fills with the encoder's
 * latents, as they come ({@link SessionLatents}) or chunk by chunk ({@link ChunkedLatents}).
 */
abstract class InterpolatedLatents implements FrameLatents {
  protected final LatentInterpolator li;

  InterpolatedLatents(
      org.mvgen.encoder.AudioEncoder encoder,
      LatentInterpolator.Mode mode,
      int fps,
      double smoothing) {
    this.li =
        new LatentInterpolator(
            mode, encoder.latentSize(), encoder.sampleRate(), encoder.hop(), fps, smoothing);
  }

  @Override
  public final long frame() {
    return li.frame();
  }

  @Override
  public final int ready(int max) {
    return li.ready(max);
  }

  @Override
  public final void next(float[] dst, int off) {
    li.next(dst, off);
  }
}
