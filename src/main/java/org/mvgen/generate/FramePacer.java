package org.mvgen.generate;

import java.util.function.LongUnaryOperator;

/**
 * The display clock: shows one frame per tick at a steady {@code fps}, each at the moment it is
 * due. The ticks are locked to when the pipeline hands frames over: frame {@code k} is due at
 * {@code base + k / fps + delay}, where {@code base} is the earliest phase at which frames become
 * ready (they follow the audio clock: a frame is made once its audio has arrived) and {@code delay}
 * is the largest lateness seen over the last two seconds plus a millisecond. So a frame waits for
 * display only as long as the pipeline's own jitter requires, rather than up to a whole period of
 * an unrelated clock; that is most of what separates a sound from its picture live.
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
   * @param delayMillis how long after its phase a frame is shown: the pipeline's jitter plus 1 ms
   */
  public record Stats(
      long ticks, long shown, long repeated, long dropped, double fps, double delayMillis) {}

  private final LiveSink sink;
  private final int fps;
  private final int size;
  private final Display display;
  private final LongUnaryOperator arrival;
  private volatile boolean running = true;
  private volatile Stats stats = new Stats(0, 0, 0, 0, 0, 0);

  /**
   * @param arrival given a frame index, the {@link System#nanoTime} at which the last audio sample
   *     it describes entered the machine, or {@code Long.MIN_VALUE} when unknown (for the latency
   *     figure of the overlay)
   */
  public FramePacer(LiveSink sink, int fps, int size, Display display, LongUnaryOperator arrival) {
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
    Schedule schedule = new Schedule(period, 2 * fps);
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
          schedule.observe(k, ready);
        }
      }
      learned = Math.max(learned, newest);
      if (want < 0) {
        want = newest;
      }
      long now = System.nanoTime();
      if (newest - want >= MAX_QUEUE) {
        // Far behind: jump to the newest frame; the ones in between are never seen.
        dropped += newest - want;
        want = newest;
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

  /** Frames allowed to wait for display before the older ones are dropped. */
  static final int MAX_QUEUE = 3;

  /**
   * When frames are due: {@code ready(k) ≈ base + k * period + lateness(k)} with {@code lateness >=
   * 0}. {@code base} is the smallest {@code ready(k) - k * period} seen, creeping up by 1/400 of a
   * period per frame so that it follows a pipeline that has become slower; the delay is the largest
   * lateness of the last {@code window} frames plus a millisecond. Lateness over two periods (a
   * stall) is left out: a stall is bridged by repeats, it must not slow the clock down for seconds
   * afterwards. Pure logic, for one thread.
   */
  static final class Schedule {
    static final long MARGIN = 1_000_000;
    private final long period;
    private final long[] late;
    private long base;
    private boolean started;
    private int count;
    private int pos;

    Schedule(long period, int window) {
      this.period = period;
      this.late = new long[window];
    }

    /** Frame {@code k} was handed over at {@code readyNanos}. */
    void observe(long k, long readyNanos) {
      long b = readyNanos - k * period;
      if (!started || b < base) {
        base = b;
        started = true;
      } else {
        base += period / 400;
      }
      long lateness = readyNanos - (base + k * period);
      if (lateness <= 2 * period) {
        late[pos] = lateness;
        pos = (pos + 1) % late.length;
        count = Math.min(count + 1, late.length);
      }
    }

    /** How long after its phase a frame is shown; one period until a quarter window is seen. */
    long delay() {
      if (count < late.length / 4) {
        return period;
      }
      long max = 0;
      for (int i = 0; i < count; i++) {
        max = Math.max(max, late[i]);
      }
      return Math.min(2 * period, max + MARGIN);
    }

    /** When frame {@code k} is due for display. */
    long due(long k) {
      return base + k * period + delay();
    }
  }
}
