package org.mvgen.generate;

import org.mvgen.encoder.AlignedLatents;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.encoder.WindowEncoder;

/**
 * Frame latents of a signal read offline (rendering a file), equal to those of one {@link
 * AlignedLatents#encode} over the whole signal, as {@code mvgen encode} computed them for training,
 * but in memory bounded by a chunk whatever the signal's length.
 *
 * <p>The signal behind its hop of silence is encoded in overlapping chunks: rows {@code [r0, r0 +
 * CHUNK)} come from encoding the rows {@code [r0 - context, r0 + CHUNK + context)} (clipped to the
 * signal), and only the middle rows are kept. An encoder whose latent depends on at most {@code
 * context} hops either side (a window, a receptive field, a streaming delay) then gives the whole
 * signal's latents exactly. The context is at least {@value #ALIGN} rows and a multiple of it, and
 * chunks start at multiples of it, so an encoder that itself works in chunks of a divisor of
 * {@value #ALIGN} rows ({@code RaveEncoder}: 256 rows with 16 of context) runs the very tensors of
 * the whole-signal pass for every row kept.
 */
final class ChunkedLatents extends InterpolatedLatents {
  /** Rows of latents kept from one chunk. */
  static final int CHUNK = 2048;

  /** Granularity of chunk starts and context, in rows. */
  static final int ALIGN = 256;

  private final AudioEncoder encoder;
  private final int hop;
  private final int context;
  private final int chunk;

  /** Samples of the padded signal from row {@code base} on. */
  private float[] buf;

  private int len;
  private long base;

  /** The next row to push. */
  private long row;

  ChunkedLatents(AudioEncoder encoder, LatentInterpolator.Mode mode, int fps, double smoothing) {
    this(encoder, mode, fps, smoothing, CHUNK);
  }

  /** With {@code chunk} rows a chunk (a multiple of {@value #ALIGN}; tests use small ones). */
  ChunkedLatents(
      AudioEncoder encoder, LatentInterpolator.Mode mode, int fps, double smoothing, int chunk) {
    super(encoder, mode, fps, smoothing);
    this.encoder = encoder;
    this.hop = encoder.hop();
    this.context = context(encoder);
    this.chunk = chunk;
    this.buf = new float[(chunk + 2 * context) * hop];
    // The hop of silence in front: row n ends at sample n * hop of the signal.
    this.len = hop;
  }

  /** Rows of context each side an encoder needs: its delay and window, plus a margin, aligned. */
  static int context(AudioEncoder e) {
    int hop = e.hop();
    long need = 32 + ((long) e.delay() + hop - 1) / hop;
    if (e instanceof WindowEncoder w) {
      need += (w.window() + hop - 1) / hop;
    }
    return (int) ((need + ALIGN - 1) / ALIGN * ALIGN);
  }

  @Override
  public void feed(float[] pcm, int off, int len) throws EncoderException {
    while (len > 0) {
      int m = Math.min(len, buf.length - this.len);
      System.arraycopy(pcm, off, buf, this.len, m);
      this.len += m;
      off += m;
      len -= m;
      if (this.len == buf.length) {
        encodeChunk(false);
      }
    }
  }

  /**
   * Encodes what is buffered and pushes rows {@code [row, row + chunk)} (at the end: every row
   * left), then drops the samples the next chunk no longer needs.
   */
  private void encodeChunk(boolean end) throws EncoderException {
    float[] x = len == buf.length ? buf : java.util.Arrays.copyOf(buf, len);
    float[][] z = encoder.encode(x);
    int from = (int) (row - base);
    int to = end ? z.length : from + chunk;
    for (int i = from; i < to; i++) {
      li.push(z[i]);
    }
    row += to - from;
    if (end) {
      return;
    }
    long next = row - context;
    int drop = (int) ((next - base) * hop);
    System.arraycopy(buf, drop, buf, 0, len - drop);
    len -= drop;
    base = next;
  }

  @Override
  public void finish(long frames) throws EncoderException {
    if (len > 0 && (row - base) * hop < len) {
      encodeChunk(true);
    }
  }
}
