package org.mvgen.generate;

import java.util.function.LongUnaryOperator;

/**
 * The display clock: shows one frame per tick at a steady {@code fps}, each at the moment it is
 * due. Frame {@code k} is due at {@code t(k) + delay}, where {@code t(k)} is when the last sample
 * of its audio arrived (the audio clock, smoothed; when the source cannot tell, when frames become
 * ready) and {@code delay} is the largest lateness of a frame behind that clock over the last two
 * seconds plus a millisecond. So a frame waits for display only as long as the pipeline's own
 * jitter requires, rather than up to a whole period of an unrelated clock, which is most of what
 * separates a sound from its picture live; and frames that become ready in bursts (a RAVE latent
 * every 46 ms releases three frames at 60 fps) are still shown evenly, one per tick.
 *
 * <p>When a frame is late (the encoder or decoder had a slow moment), the last one is shown again;
 * when a newer frame is already due, older ones are dropped rather than queued. Both are counted,
 * so a slow moment costs smoothness, never timing.
 */
public final class FramePacer {
  /** Shows a frame; called on the pacer's thread. */
  public interface Display {
    void show(byte[] rgb, LiveSink.Snapshot snap, Stats stats, long latencyNanos);
  }

  /**
   * Counters since start.
   *
   * @param ticks display ticks
   * @param shown ticks that showed a new frame
   * @param repeated ticks that showed the previous frame again
   * @param dropped frames generated but never shown
   * @param fps measured display rate over the last second
   * @param delayMillis how long after its audio arrived a frame is shown: the pipeline's delay and
   *     jitter plus 1 ms
   */
  public record Stats(
      long ticks, long shown, long repeated, long dropped, double fps, double delayMillis) {}

  private final LiveSink sink;
  private final int fps;
  private final int size;
  private final Display display;
  private final LongUnaryOperator arrival;
  private final long burstNanos;
  private volatile boolean running = true;
  private volatile Stats stats = new Stats(0, 0, 0, 0, 0, 0);

  /**
   * @param arrival given a frame index, the {@link System#nanoTime} at which the last audio sample
   *     it describes entered the machine, or {@code Long.MIN_VALUE} when unknown (for the latency
   *     figure of the overlay)
   */
  public FramePacer(LiveSink sink, int fps, int size, Display display, LongUnaryOperator arrival) {
    this(sink, fps, size, display, arrival, 0);
  }

  /**
   * @param burstNanos how much later than the last the first of the frames that become ready
   *     together can be by design: one hop of the encoder for a hop encoder (RAVE: 46 ms), 0 for a
   *     window encoder that makes every frame from its own window
   */
  public FramePacer(
      LiveSink sink,
      int fps,
      int size,
      Display display,
      LongUnaryOperator arrival,
      long burstNanos) {
    this.burstNanos = burstNanos;
    this.sink = sink;
    this.fps = fps;
    this.size = size;
    this.display = display;
    this.arrival = arrival;
  }

  public Stats stats() {
    return stats;
  }

  public void stop() {
    running = false;
  }

  /** Runs the clock on the calling thread until {@link #stop}. */
  public void run() throws InterruptedException {
    byte[] rgb = new byte[size * size * 3];
    long period = 1_000_000_000L / fps;
    Schedule schedule = new Schedule(period, 2 * fps, burstNanos, Math.max(2, fps / 10));
    long shownIndex = -1;
    long want = -1;
    long learned = -1;
    long ticks = 0;
    long shown = 0;
    long repeated = 0;
    long dropped = 0;
    long[] recent = new long[fps + 1];
    // Wait for the first frame.
    while (running && sink.peek().index() < 0) {
      Thread.sleep(1);
    }
    while (running) {
      LiveSink.Snapshot s = sink.peek();
      long newest = s.index();
      for (long k = Math.max(learned + 1, newest - LiveSink.RING + 1); k <= newest; k++) {
        long ready = sink.readyNanos(k);
        if (ready != Long.MIN_VALUE) {
          long heard = arrival.applyAsLong(k);
          schedule.observe(k, ready, heard != Long.MIN_VALUE ? heard : ready);
        }
      }
      learned = Math.max(learned, newest);
      schedule.update();
      if (want < 0) {
        want = newest;
      }
      long now = System.nanoTime();
      if (want < newest - LiveSink.RING + 1) {
        // Frames the sink no longer holds can never be shown.
        dropped += newest - LiveSink.RING + 1 - want;
        want = newest - LiveSink.RING + 1;
      }
      while (want < newest && schedule.due(want + 1) <= now) {
        // A newer frame is already due: showing this one would put the picture behind the sound.
        dropped++;
        want++;
      }
      long latency = Long.MIN_VALUE;
      boolean got = false;
      while (newest >= want) {
        if (sink.take(want, rgb)) {
          got = true;
          break;
        }
        want++; // skipped by the pipeline (counted there): nothing to show for it
      }
      if (got) {
        shownIndex = want;
        want++;
        shown++;
        long a = arrival.applyAsLong(shownIndex);
        if (a != Long.MIN_VALUE) {
          latency = now - a;
        }
      } else {
        // The next frame is late: show the last one again.
        repeated++;
      }
      recent[(int) (ticks % recent.length)] = now;
      ticks++;
      long oldest = recent[(int) (ticks % recent.length)];
      double measured = ticks > recent.length ? (recent.length - 1) * 1e9 / (now - oldest) : 0;
      stats = new Stats(ticks, shown, repeated, dropped, measured, schedule.delay() / 1e6);
      display.show(
          rgb, new LiveSink.Snapshot(shownIndex, s.generated(), s.level()), stats, latency);
      // The next tick: when the next frame is due, but never in a burst nor after a long gap.
      long after = System.nanoTime();
      long next = Math.max(after + period / 4, Math.min(schedule.due(want), now + 2 * period));
      long wait = next - after;
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  /**
   * When frames are due. The clock: {@code clock(k) ≈ base + k * period}, where {@code clock(k)} is
   * when frame {@code k}'s audio arrived (or it became ready) and {@code base} the smallest {@code
   * clock(k) - k * period} seen, creeping up by 1/400 of a period per frame so that it follows a
   * clock that drifts. The lateness of a frame is {@code ready(k) - (base + k * period)}; the delay
   * is the largest lateness of the last {@code window} frames plus a millisecond, leaving out
   * stalls: lateness more than two periods and one burst over the median. The frames made back to
   * back after a stall are that late; bridged by repeats and dropped, they must not slow the
   * display down for the seconds they stay in the window. The delay grows at once but shrinks
   * gradually. Pure logic, for one thread.
   */
  static final class Schedule {
    static final long MARGIN = 1_000_000;

    /** How much the delay may shrink per update (per tick). */
    static final long SHRINK = 250_000;

    private final long period;
    private final long burst;
    private final long[] late;
    private final long[] sorted;
    private final int warmup;
    private long base;
    private boolean started;
    private int seen;
    private int count;
    private int pos;
    private long delay;

    Schedule(long period, int window, long burstNanos) {
      this(period, window, burstNanos, 0);
    }

    /**
     * @param warmup frames at the start whose lateness is not counted: the first frames of a
     *     session are late by how long the pipeline took to start (the audio captured meanwhile,
     *     code run for the first time), not by its jitter; counted, they held the display a few
     *     tens of milliseconds behind for the next seconds (the window, then the gradual shrink).
     *     They still set the audio clock's base.
     */
    Schedule(long period, int window, long burstNanos, int warmup) {
      this.period = period;
      this.burst = burstNanos;
      this.late = new long[window];
      this.sorted = new long[window];
      this.warmup = warmup;
      this.delay = period;
    }

    /**
     * Frame {@code k} was handed over at {@code readyNanos}; its audio arrived at {@code clock}.
     */
    void observe(long k, long readyNanos, long clockNanos) {
      long b = clockNanos - k * period;
      if (!started || b < base) {
        base = b;
        started = true;
      } else {
        base += period / 400;
      }
      if (++seen <= warmup) {
        return;
      }
      late[pos] = readyNanos - (base + k * period);
      pos = (pos + 1) % late.length;
      count = Math.min(count + 1, late.length);
    }

    /** Recomputes the delay from the frames observed; once a tick. */
    void update() {
      if (count == 0) {
        return;
      }
      System.arraycopy(late, 0, sorted, 0, count);
      java.util.Arrays.sort(sorted, 0, count);
      long limit = sorted[count / 2] + 2 * period + burst;
      int i = count - 1;
      while (i > 0 && sorted[i] > limit) {
        i--;
      }
      // Longer at once (or frames would be late), shorter only gradually: a delay that shrinks
      // by more than a tick's slack at once makes the next frame overdue, and it is dropped.
      delay = Math.max(0, Math.max(sorted[i] + MARGIN, delay - SHRINK));
    }

    /** How long after its audio a frame is shown. */
    long delay() {
      return delay;
    }

    /** When frame {@code k} is due for display. */
    long due(long k) {
      return base + k * period + delay;
    }
  }
}
