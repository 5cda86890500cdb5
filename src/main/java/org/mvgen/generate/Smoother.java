package org.mvgen.generate;

/**
 * Causal exponential smoothing of frame latents with a time constant in seconds: {@code s += alpha
 * (x - s)} with {@code alpha = 1 - exp(-1 / (fps * tau))}. Causal, so live equals render.
 */
public final class Smoother {
  private final float alpha;
  private float[] state;

  public Smoother(int fps, double tauSeconds) {
    if (!(tauSeconds >= 0)) {
      throw new IllegalArgumentException("smoothing (" + tauSeconds + " s) must be >= 0");
    }
    this.alpha = tauSeconds == 0 ? 1f : (float) (1 - Math.exp(-1.0 / (fps * tauSeconds)));
  }

  /** Smooths {@code x[xOff .. xOff + dim)} into the state and writes the state to {@code dst}. */
  public void apply(float[] x, int xOff, int dim, float[] dst, int dstOff) {
    if (state == null) {
      state = new float[dim];
      System.arraycopy(x, xOff, state, 0, dim);
    } else {
      for (int j = 0; j < dim; j++) {
        state[j] += alpha * (x[xOff + j] - state[j]);
      }
    }
    System.arraycopy(state, 0, dst, dstOff, dim);
  }
}
