package org.mvgen.generate;

import java.util.function.LongUnaryOperator;

/**
 * The display clock: at every tick, takes the newest generated frame and shows it, whatever the
 * pipeline is doing. When several frames were generated since the last tick, the older ones are
 * dropped; when none was, the last is shown again. Both are counted, so a slow moment of the
 * encoder or decoder costs smoothness, never timing.
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
   */
  public record Stats(long ticks, long shown, long repeated, long dropped, double fps) {}

  private final LiveSink sink;
  private final int fps;
  private final int size;
  private final Display display;
  private final LongUnaryOperator arrival;
  private volatile boolean running = true;
  private volatile Stats stats = new Stats(0, 0, 0, 0, 0);

  /**
   * @param arrival given a frame index, the {@link System#nanoTime} at which the last audio sample
   *     it describes entered the machine, or {@code Long.MIN_VALUE} when unknown
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
    long shownIndex = -1;
    long want = -1;
    long ticks = 0;
    long shown = 0;
    long repeated = 0;
    long dropped = 0;
    long period = 1_000_000_000L / fps;
    long[] recent = new long[fps + 1];
    // Wait for the first frame, then start ticking from its arrival.
    while (running && sink.peek().index() < 0) {
      Thread.sleep(1);
    }
    long start = System.nanoTime();
    while (running) {
      LiveSink.Snapshot s = sink.peek();
      long newest = s.index();
      if (want < 0) {
        want = newest;
      }
      if (newest - want >= MAX_QUEUE) {
        // Too far behind: jump to the newest frame; the ones in between are never seen.
        dropped += newest - want;
        want = newest;
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
          latency = System.nanoTime() - a;
        }
      } else {
        // The next frame is late: show the last one again.
        repeated++;
      }
      long now = System.nanoTime();
      recent[(int) (ticks % recent.length)] = now;
      ticks++;
      long oldest = recent[(int) (ticks % recent.length)];
      double measured = ticks > recent.length ? (recent.length - 1) * 1e9 / (now - oldest) : 0;
      stats = new Stats(ticks, shown, repeated, dropped, measured);
      display.show(
          rgb, new LiveSink.Snapshot(shownIndex, s.generated(), s.level()), stats, latency);
      long next = start + ticks * period;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } else if (wait < -period) {
        // Far behind (the machine stalled): skip ticks rather than racing to catch up.
        start = System.nanoTime() - ticks * period;
      }
    }
  }

  /** Frames allowed to wait for display before the older ones are dropped. */
  static final int MAX_QUEUE = 3;
}
