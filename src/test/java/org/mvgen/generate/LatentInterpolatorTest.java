package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatentInterpolatorTest {
  @Test
  void endSampleAndFrameCountFollowTheDatasetAlignment() {
    assertEquals(0, LatentInterpolator.endSample(0, 44100, 25));
    assertEquals(1764, LatentInterpolator.endSample(1, 44100, 25));
    assertEquals(1470, LatentInterpolator.endSample(1, 44100, 30));
  }

  @Test
  void roundingIsHalfUp() {
    // 1 * 5 / 2 = 2.5 -> 3 (round half up, as Math.round does).
    assertEquals(3, LatentInterpolator.endSample(1, 5, 2));
    for (int k = 0; k < 500; k++) {
      assertEquals(Math.round(k * 44100.0 / 60), LatentInterpolator.endSample(k, 44100, 60));
    }
  }

  @Test
  void framesCoverTheAudioAndNoMore() {
    assertEquals(50, LatentInterpolator.framesFor(88200, 44100, 25)); // exactly 2 s
    assertEquals(51, LatentInterpolator.framesFor(88201, 44100, 25));
    assertEquals(1, LatentInterpolator.framesFor(1, 44100, 25));
    assertEquals(0, LatentInterpolator.framesFor(0, 44100, 25));
  }

  @Test
  void eachFrameBlendsTheTwoLatentsAroundItsTime() {
    int hop = 100;
    LatentInterpolator li = new LatentInterpolator(1, 1000, hop, 30, 0);
    // Latent n = n + 1 = the sample at which its audio ends, divided by hop.
    for (int n = 0; n < 40; n++) {
      li.push(new float[] {n + 1});
    }
    float[] z = new float[1];
    for (int k = 0; li.ready(); k++) {
      assertEquals(k, li.frame());
      li.next(z, 0);
      double e = LatentInterpolator.endSample(k, 1000, 30);
      // Linear in time, and clamped to latent 0 before the first hop ends.
      assertEquals(Math.max(1, e / hop), z[0], 1e-5, "frame " + k);
    }
  }

  @Test
  void aFrameWaitsForTheLatentAfterItsTime() {
    LatentInterpolator li = new LatentInterpolator(1, 1000, 100, 10, 0);
    assertFalse(li.ready());
    li.push(new float[] {0}); // latent 0: audio up to sample 100
    float[] z = new float[1];
    li.next(z, 0); // frame 0 (end 0) and frame 1 (end 100) need latent 0
    li.next(z, 0);
    assertFalse(li.ready()); // frame 2 ends at 200 = latent 1
    assertEquals(1, li.latentNeeded(2));
    li.push(new float[] {0});
    assertTrue(li.ready());
    assertThrows(
        IllegalStateException.class,
        () -> {
          li.next(z, 0);
          li.next(z, 0);
        });
  }

  @Test
  void smoothingIsACausalMovingAverageWithTheGivenTimeConstant() {
    double tau = 0.2;
    int fps = 50;
    LatentInterpolator li = new LatentInterpolator(1, 1000, 20, fps, tau);
    for (int n = 0; n < 200; n++) {
      li.push(new float[] {n < 50 ? 0 : 1}); // a step at latent 50 = sample 1020
    }
    float[] z = new float[1];
    float prev = 0;
    double alpha = 1 - Math.exp(-1.0 / (fps * tau));
    int k = 0;
    for (; li.ready(); k++) {
      li.next(z, 0);
      double e = LatentInterpolator.endSample(k, 1000, fps);
      if (e <= 1000) {
        assertEquals(0, z[0], 1e-6, "nothing before the step (causal) at frame " + k);
      } else if (e >= 1040) {
        assertEquals(prev + alpha * (1 - prev), z[0], 1e-5, "frame " + k);
      }
      prev = z[0];
    }
    // One time constant after the step: 1 - 1/e of the way there.
    assertTrue(k > 100);
  }
}
