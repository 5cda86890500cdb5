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
    long have = -1;
    long lastGenerated = 0;
    long ticks = 0;
    long shown = 0;
    long repeated = 0;
    long dropped = 0;
    long period = 1_000_000_000L / fps;
    long start = System.nanoTime();
    long[] recent = new long[fps + 1];
    while (running) {
      LiveSink.Snapshot s = sink.latest(have, rgb);
      long latency = Long.MIN_VALUE;
      if (s.index() > have) {
        // Frames generated since the last tick other than the one shown were never seen.
        dropped += Math.max(0, s.generated() - lastGenerated - 1);
        lastGenerated = s.generated();
        have = s.index();
        shown++;
        long a = arrival.applyAsLong(have);
        if (a != Long.MIN_VALUE) {
          latency = System.nanoTime() - a;
        }
      } else if (have >= 0) {
        repeated++;
      }
      long now = System.nanoTime();
      recent[(int) (ticks % recent.length)] = now;
      ticks++;
      long oldest = recent[(int) (ticks % recent.length)];
      double measured = ticks > recent.length ? (recent.length - 1) * 1e9 / (now - oldest) : 0;
      stats = new Stats(ticks, shown, repeated, dropped, measured);
      if (have >= 0) {
        display.show(rgb, s, stats, latency);
      }
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
}
