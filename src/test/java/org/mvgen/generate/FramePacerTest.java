package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FramePacerTest {
  static final int FPS = 50;
  static final int SIZE = 4;

  /**
   * Generates frames at {@code fps} like the pipeline, with an optional stall at frame {@code k}.
   */
  static Thread generator(LiveSink sink, int frames, int stallAt, long stallMs) {
    Thread t =
        new Thread(
            () -> {
              byte[] rgb = new byte[SIZE * SIZE * 3];
              long start = System.nanoTime();
              try {
                for (int k = 0; k < frames; k++) {
                  if (k == stallAt) {
                    Thread.sleep(stallMs);
                  }
                  long due = start + k * 1_000_000_000L / FPS;
                  long wait = due - System.nanoTime();
                  if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                  }
                  rgb[0] = (byte) k;
                  sink.frame(k, rgb, 0);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    t.start();
    return t;
  }

  static FramePacer.Stats run(int frames, int stallAt, long stallMs, long[] lastShown)
      throws Exception {
    LiveSink sink = new LiveSink(SIZE, 1000, FPS);
    FramePacer pacer =
        new FramePacer(
            sink,
            FPS,
            SIZE,
            (rgb, snap, st, lat) -> {
              // Frames appear in order, never backwards.
              assertTrue(snap.index() >= lastShown[0], snap.index() + " after " + lastShown[0]);
              lastShown[0] = snap.index();
            },
            k -> Long.MIN_VALUE);
    Thread gen = generator(sink, frames, stallAt, stallMs);
    Thread clock =
        new Thread(
            () -> {
              try {
                pacer.run();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    clock.start();
    gen.join();
    Thread.sleep(400); // the last frame is due a display delay after it was made
    pacer.stop();
    clock.join();
    return pacer.stats();
  }

  @Test
  void framesMadeInRealTimeAreAllShownInOrder() throws Exception {
    long[] last = {-1};
    FramePacer.Stats s = run(75, -1, 0, last);
    assertEquals(74, last[0]);
    assertEquals(0, s.dropped(), s.toString());
    assertEquals(75, s.shown(), s.toString());
  }

  @Test
  void aStallIsBridgedByRepeatsAndTheBacklogIsDropped() throws Exception {
    long[] last = {-1};
    // 300 ms stall at 50 fps: about 15 ticks without a new frame, then 15 frames at once.
    FramePacer.Stats s = run(75, 20, 300, last);
    assertEquals(74, last[0]);
    assertTrue(s.repeated() >= 10, s.toString());
    assertTrue(s.dropped() >= 8, "the pile-up is dropped, not queued: " + s);
    assertEquals(75, s.shown() + s.dropped(), s.toString());
  }

  @Test
  void framesAreDueJustAfterTheyAreReadyNotAPeriodLater() {
    long period = 1_000_000_000L / 60;
    FramePacer.Schedule s = new FramePacer.Schedule(period, 120, 0);
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    long t0 = 5_000_000_000L;
    long maxJitter = 4_000_000; // frames become ready up to 4 ms after their phase
    long worstWait = 0;
    for (int k = 0; k < 600; k++) {
      long ready = t0 + k * period + r.nextLong(maxJitter);
      if (k == 300) {
        ready += 250_000_000; // one stall of a quarter second
      }
      s.update(); // once a tick, as the pacer does
      if (k > 200 && k != 300) {
        // Once learned, every frame is due after it is ready, and soon after.
        long due = s.due(k);
        assertTrue(due >= ready, "frame " + k + " due before it is ready");
        worstWait = Math.max(worstWait, due - ready);
      }
      s.observe(k, ready, ready);
    }
    assertTrue(worstWait < maxJitter + 2_500_000, "waited up to " + worstWait / 1e6 + " ms");
    // The stall did not slow the clock down: the delay is the jitter, not the stall.
    s.update();
    assertTrue(s.delay() < maxJitter + 2_000_000, "delay " + s.delay() / 1e6 + " ms");
  }

  @Test
  void framesReadyInBurstsAreShownEvenlyAtTheirAudiosTimePlusTheEncodersDelay() {
    // RAVE-like: a latent every 2048 samples at 44.1 kHz releases the frames of its hop at once,
    // 322 ms after their audio arrived; the display must not bunch them.
    long period = 1_000_000_000L / 60;
    long hop = 2048L * 1_000_000_000L / 44100;
    FramePacer.Schedule s = new FramePacer.Schedule(period, 120, hop);
    long t0 = 9_000_000_000L;
    long encoderDelay = 322_000_000;
    for (int k = 0; k < 600; k++) {
      long audio = t0 + k * period;
      long latentEnds = t0 + ((k * period) / hop + 1) * hop;
      long ready = latentEnds + encoderDelay + 2_000_000;
      s.update();
      if (k > 200) {
        assertTrue(s.due(k) >= ready, "frame " + k + " due before it is ready");
        assertEquals(period, s.due(k + 1) - s.due(k), "one frame per period");
        assertTrue(s.due(k) - audio < encoderDelay + hop + 5_000_000, "frame " + k + " too late");
      }
      s.observe(k, ready, audio);
    }
  }

  @Test
  void aLateStartDoesNotHoldTheDisplayBehindForTheNextSeconds() {
    // The first frames of a session come 40 ms late (the pipeline's first calls); then 2 ms of
    // jitter. The pacer leaves out fps / 10 frames at the start.
    long period = 1_000_000_000L / 60;
    long t0 = 3_000_000_000L;
    long hop = 512L * 1_000_000_000L / 44100; // mvgen's `live` RAVE
    FramePacer.Schedule warm = new FramePacer.Schedule(period, 120, hop, 6);
    FramePacer.Schedule cold = new FramePacer.Schedule(period, 120, hop);
    for (int k = 0; k < 90; k++) {
      long ready = t0 + k * period + (k < 3 ? 40_000_000 : 2_000_000);
      warm.update();
      cold.update();
      warm.observe(k, ready, t0 + k * period);
      cold.observe(k, ready, t0 + k * period);
    }
    warm.update();
    cold.update();
    // 1.5 s in: the warmed-up clock shows frames 3 ms after their audio; counting the start
    // would still hold them 41 ms back.
    assertTrue(warm.delay() <= 3_000_000 + 250_000 * 60, "delay " + warm.delay() / 1e6 + " ms");
    assertTrue(warm.delay() < 10_000_000, "delay " + warm.delay() / 1e6 + " ms");
    assertTrue(cold.delay() > 40_000_000, "without a warm-up: " + cold.delay() / 1e6 + " ms");
  }
}
