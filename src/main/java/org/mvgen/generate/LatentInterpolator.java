package org.mvgen.generate;

import java.util.ArrayList;
import org.mvgen.encoder.AlignedLatents;

/**
 * Resamples the encoder's latents (one every {@code hop} samples) to one latent per output frame,
 * with optional causal smoothing. Pure and deterministic: live and render use it the same way, so
 * they produce the same latents from the same audio.
 *
 * <p>Time: latents are on the grid of {@link AlignedLatents}, the grid training pairs were made on:
 * latent {@code n} describes the audio that ends at sample {@code n * hop} (latent 0: the silence
 * before the start). Frame {@code k} is shown at {@code k / fps} seconds and describes the audio
 * that ends at sample {@code e(k) = round(k * sampleRate / fps)} (the dataset's alignment), so it
 * sits at fractional latent position {@code p(k) = e(k) / hop}. {@link Mode#HOLD} gives it latent
 * {@code floor(p)}, exactly the latent its training pair had, as soon as that has been heard;
 * {@link Mode#LINEAR} blends latents {@code floor(p)} and {@code ceil(p)} and so waits for the
 * latter.
 *
 * <p>Smoothing is an exponential moving average over frames with time constant {@code
 * smoothingSeconds}: causal, so it never needs the future and live equals render.
 *
 * <pre>
 * LatentInterpolator li = new LatentInterpolator(Mode.HOLD, 64, 44100, 2048, 25, 0.08);
 * for (float[] z : session.push(pcm, 0, n)) li.push(z);   // a session fed one hop of silence first
 * while (li.ready()) li.next(dst, 0);     // frame li.frame() - 1 is now in dst
 * </pre>
 */
public final class LatentInterpolator {
  /** How a frame between two latents gets its latent. */
  public enum Mode {
    /** Linear blend of the latents before and after the frame's time. */
    LINEAR,
    /** The latest latent that ends at or before the frame's time: the training pair's latent. */
    HOLD
  }

  private final Mode mode;
  private final int dim;
  private final int sampleRate;
  private final int hop;
  private final int fps;
  private final Smoother smoother;
  private final ArrayList<float[]> window = new ArrayList<>();

  /** Index of the first latent in {@link #window}. */
  private long base;

  private long pushed;
  private long frame;
  private final float[] blend;

  public LatentInterpolator(
      Mode mode, int dim, int sampleRate, int hop, int fps, double smoothingSeconds) {
    this.mode = mode;
    if (dim <= 0 || sampleRate <= 0 || hop <= 0 || fps <= 0) {
      throw new IllegalArgumentException(
          "dim "
              + dim
              + ", sampleRate "
              + sampleRate
              + ", hop "
              + hop
              + ", fps "
              + fps
              + " must all be positive");
    }
    this.dim = dim;
    this.sampleRate = sampleRate;
    this.hop = hop;
    this.fps = fps;
    this.smoother = new Smoother(fps, smoothingSeconds);
    this.blend = new float[dim];
  }

  /** The sample at which the audio described by frame {@code k} ends: {@code round(k*sr/fps)}. */
  public static long endSample(long k, int sampleRate, int fps) {
    return Math.floorDiv(2 * k * sampleRate + fps, 2L * fps);
  }

  /** Frames whose time {@code k / fps} lies inside {@code samples} of audio: the video's length. */
  public static long framesFor(long samples, int sampleRate, int fps) {
    return Math.floorDiv(samples * fps + sampleRate - 1, sampleRate);
  }

  /** Latent index that must have been pushed before frame {@code k} can be computed. */
  public long latentNeeded(long k) {
    long e = endSample(k, sampleRate, fps);
    return switch (mode) {
      case LINEAR -> Math.floorDiv(e + hop - 1, hop); // ceil(e / hop)
      case HOLD -> e / hop; // floor(e / hop)
    };
  }

  /** Appends the next latent (index {@link #pushed()}); the array is copied. */
  public void push(float[] z) {
    if (z.length != dim) {
      throw new IllegalArgumentException("latent of size " + z.length + ", expected " + dim);
    }
    window.add(z.clone());
    pushed++;
  }

  /** Latents pushed so far. */
  public long pushed() {
    return pushed;
  }

  /** The index of the next frame {@link #next} will produce. */
  public long frame() {
    return frame;
  }

  /** Whether the next frame's latents have all arrived. */
  public boolean ready() {
    return pushed > latentNeeded(frame);
  }

  /** How many of the next frames have all their latents, counting at most {@code max}. */
  public int ready(int max) {
    int n = 0;
    while (n < max && pushed > latentNeeded(frame + n)) {
      n++;
    }
    return n;
  }

  /**
   * Writes the next frame's latent into {@code dst[off .. off + dim)} and advances. Every frame
   * must pass through here, even one that will not be drawn, because smoothing carries state.
   */
  public void next(float[] dst, int off) {
    if (!ready()) {
      throw new IllegalStateException(
          "frame " + frame + " needs latent " + latentNeeded(frame) + "; " + pushed + " pushed");
    }
    long e = endSample(frame, sampleRate, fps);
    long lo = e / hop;
    float w = mode == Mode.HOLD ? 0 : (float) (e - lo * hop) / hop;
    long hi = w == 0 ? lo : lo + 1;
    // Latents before lo are never needed again: frames only move forward.
    if (lo - base > 256) {
      window.subList(0, (int) (lo - base)).clear();
      base = lo;
    }
    float[] a = get(lo);
    float[] b = get(hi);
    for (int j = 0; j < dim; j++) {
      blend[j] = a[j] + w * (b[j] - a[j]);
    }
    smoother.apply(blend, 0, dim, dst, off);
    frame++;
  }

  private float[] get(long index) {
    return window.get((int) (index - base));
  }
}
