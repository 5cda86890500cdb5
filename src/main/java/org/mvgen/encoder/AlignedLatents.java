package org.mvgen.encoder;

/**
 * The latents of a whole signal on the grid that frames are paired with, computed one way for
 * training data ({@code mvgen encode}) and for rendering, so that a decoder is shown at generation
 * exactly the latents it was trained on.
 *
 * <p>Grid: the signal is encoded with one hop of silence in front, so row {@code n} describes the
 * audio that ends at sample {@code n * hop} of the signal (row 0: silence before the start). A
 * frame whose audio ends at sample {@code e} is paired with row {@link #row floor(e / hop)}: the
 * latest latent that ends at or before it, which a live stream has already heard.
 *
 * <pre>
 * float[][] z = AlignedLatents.encode(encoder, pcm);
 * float[] forFrame = z[AlignedLatents.row(endSample, encoder.hop(), z.length)];
 * </pre>
 */
public final class AlignedLatents {
  private AlignedLatents() {}

  /**
   * Encodes {@code pcm} behind one hop of silence: {@code ceil(pcm.length / hop) + 1} rows, row
   * {@code n} ending at sample {@code n * hop} of {@code pcm}.
   */
  public static float[][] encode(AudioEncoder enc, float[] pcm) throws EncoderException {
    int hop = enc.hop();
    float[] padded = new float[hop + pcm.length];
    System.arraycopy(pcm, 0, padded, hop, pcm.length);
    return enc.encode(padded);
  }

  /** The row paired with a frame whose audio ends at sample {@code end}: {@code floor(end/hop)}. */
  public static int row(long end, int hop, int rows) {
    if (end < 0 || rows < 1) {
      throw new IllegalArgumentException(
          "end " + end + " and rows " + rows + " must be >= 0, >= 1");
    }
    return (int) Math.min(rows - 1, end / hop);
  }
}
