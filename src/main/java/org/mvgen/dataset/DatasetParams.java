package org.mvgen.dataset;

/**
 * The fixed parameters of a dataset: every pair in it was made with these.
 *
 * @param sampleRate audio sample rate in Hz of the stored audio
 * @param fps frames per second taken from each video
 * @param frameSize side of the square frames in pixels
 * @param window audio samples paired with each frame (see {@link Alignment})
 */
public record DatasetParams(int sampleRate, int fps, int frameSize, int window) {
  public DatasetParams {
    new Alignment(sampleRate, fps, window); // validates the shared fields
    if (frameSize < 8 || frameSize > 4096) {
      throw new IllegalArgumentException("frameSize (" + frameSize + ") must be in 8..4096");
    }
  }

  public Alignment alignment() {
    return new Alignment(sampleRate, fps, window);
  }
}
