package org.mvgen.decoder;

import java.util.List;

/** Pairs held in memory: for tests, benchmarks and small synthetic corpora. */
public final class InMemoryPairs implements PairSource {
  private final List<float[]> latents;
  private final List<byte[]> frames;
  private final int frameSize;

  /** Latent {@code k} belongs to frame {@code k}; the lists are not copied. */
  public InMemoryPairs(List<float[]> latents, List<byte[]> frames, int frameSize) {
    if (latents.size() != frames.size() || latents.isEmpty()) {
      throw new IllegalArgumentException(
          latents.size() + " latents for " + frames.size() + " frames: need equal, non-zero");
    }
    this.latents = latents;
    this.frames = frames;
    this.frameSize = frameSize;
  }

  @Override
  public long size() {
    return latents.size();
  }

  @Override
  public int latentSize() {
    return latents.get(0).length;
  }

  @Override
  public int frameSize() {
    return frameSize;
  }

  @Override
  public void latent(long i, float[] dst, int off) {
    float[] z = latents.get((int) i);
    System.arraycopy(z, 0, dst, off, z.length);
  }

  @Override
  public void rgb(long i, byte[] dst, int off) {
    byte[] f = frames.get((int) i);
    System.arraycopy(f, 0, dst, off, f.length);
  }
}
