package org.mvgen.generate;

/**
 * An {@link AudioSource} over samples already in memory (a decoded song), read as fast as asked.
 */
public final class PcmSource implements AudioSource {
  private final float[] pcm;
  private final int sampleRate;
  private int pos;

  /** Reads {@code pcm}, which the source keeps (it is not copied) and never changes. */
  public PcmSource(float[] pcm, int sampleRate) {
    this.pcm = pcm;
    this.sampleRate = sampleRate;
  }

  @Override
  public int sampleRate() {
    return sampleRate;
  }

  @Override
  public int read(float[] dst, int off, int len) {
    if (pos >= pcm.length) {
      return -1;
    }
    int n = Math.min(len, pcm.length - pos);
    System.arraycopy(pcm, pos, dst, off, n);
    pos += n;
    return n;
  }

  @Override
  public void close() {}
}
