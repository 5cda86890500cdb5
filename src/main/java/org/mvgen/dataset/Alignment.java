package org.mvgen.dataset;

/**
 * Which audio belongs to which video frame: the one alignment rule of mvgen.
 *
 * <p>Frame {@code k} of a source is shown at time {@code k / fps} seconds. Its audio window is the
 * {@code window} samples that <em>end</em> at that moment: samples {@code [end(k) - window,
 * end(k))} with {@code end(k) = round(k * sampleRate / fps)} (halves round up), where sample 0 is
 * the first sample of the source's audio. Samples before 0 read as silence. The window ends at the
 * frame's time, not around it, because that is all a live performance knows when it draws the
 * frame: training and live generation see the same relation between sound and picture.
 */
public record Alignment(int sampleRate, int fps, int window) {
  public Alignment {
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate (" + sampleRate + ") must be positive");
    }
    if (fps <= 0) {
      throw new IllegalArgumentException("fps (" + fps + ") must be positive");
    }
    if (window <= 0) {
      throw new IllegalArgumentException("window (" + window + ") must be positive");
    }
  }

  /** The sample at which frame {@code k} is shown; its window ends just before it. */
  public long end(long k) {
    // round(k * sr / fps) in exact integer arithmetic (k * sr stays far below 2^63).
    return Math.floorDiv(2 * k * sampleRate + fps, 2L * fps);
  }

  /** The first sample of frame {@code k}'s window (negative for the first frames). */
  public long start(long k) {
    return end(k) - window;
  }

  /** The time frame {@code k} is shown, in microseconds. */
  public long frameTimeMicros(long k) {
    return Math.floorDiv(k * 1_000_000L, fps);
  }

  /**
   * How many frames a stream of {@code durationMicros} holds: those shown for at least half their
   * time before it ends, i.e. {@code round(duration * fps)}.
   */
  public long frameCount(long durationMicros) {
    if (durationMicros <= 0) {
      return 0;
    }
    return Math.floorDiv(2 * durationMicros * fps + 999_999L, 2_000_000L);
  }
}
