package org.mvgen.media;

/**
 * Turns a stream of decoded frames with arbitrary timestamps (variable frame rate, gaps,
 * duplicates) into frames at a constant rate. Output frame {@code k} at time {@code k / fps} is the
 * source frame on screen at that moment: the last one whose timestamp is at or before it (the first
 * source frame stands in for times before it). Pure logic; not thread-safe.
 *
 * <p>A source frame's on-screen span ends only when the next one arrives, so the sampler holds one
 * frame back: {@link #next} returns how many output frames the <em>previous</em> source frame
 * fills.
 */
public final class FrameSampler {
  private final int fps;
  private long nextOutput;
  private long heldTime = Long.MIN_VALUE;
  private long lastStep;

  public FrameSampler(int fps) {
    if (fps <= 0) {
      throw new IllegalArgumentException("fps (" + fps + ") must be positive");
    }
    this.fps = fps;
  }

  /** Index of the next output frame to be produced. */
  public long nextOutput() {
    return nextOutput;
  }

  /**
   * A new source frame arrived at {@code timeMicros}. Returns how many output frames (starting at
   * {@link #nextOutput()} before this call) the previously held frame covers; the new frame is held
   * from now on. Returns -1 when the new frame is not later than the held one and should be dropped
   * (the held frame stays).
   */
  public int next(long timeMicros) {
    if (heldTime == Long.MIN_VALUE) {
      heldTime = timeMicros;
      return 0;
    }
    if (timeMicros <= heldTime) {
      return -1;
    }
    lastStep = timeMicros - heldTime;
    int n = coverUntil(timeMicros);
    heldTime = timeMicros;
    return n;
  }

  /**
   * The stream ended at {@code endMicros} (0 or less: unknown, then the held frame lasts as long as
   * the last gap between frames). Returns how many output frames the held frame covers.
   */
  public int finish(long endMicros) {
    if (heldTime == Long.MIN_VALUE) {
      return 0;
    }
    long end = endMicros > heldTime ? endMicros : heldTime + Math.max(lastStep, 1_000_000L / fps);
    // The last output frame must be on screen for at least half its time: container timestamps
    // are rounded (to 1 ms in Matroska and WebM), which would otherwise add a frame shown for
    // a fraction of a millisecond.
    int n = coverUntil(Math.max(end - 500_000L / fps, heldTime + 1));
    heldTime = Long.MIN_VALUE;
    return n;
  }

  /** Counts output frames k >= nextOutput with k / fps < untilMicros, and advances past them. */
  private int coverUntil(long untilMicros) {
    if (untilMicros <= 0) {
      return 0;
    }
    // k / fps < t  <=>  k * 1e6 < t * fps  <=>  k <= (t * fps - 1) / 1e6
    long last = Math.floorDiv(untilMicros * fps - 1, 1_000_000L);
    long n = Math.max(0, last + 1 - nextOutput);
    nextOutput += n;
    return (int) n;
  }
}
