package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mvgen.encoder.AlignedLatents;

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
    LatentInterpolator li =
        new LatentInterpolator(LatentInterpolator.Mode.LINEAR, 1, 1000, hop, 30, 0);
    // Latent n = n = the sample at which its audio ends, divided by hop (latent 0: silence).
    for (int n = 0; n < 40; n++) {
      li.push(new float[] {n});
    }
    float[] z = new float[1];
    for (int k = 0; li.ready(); k++) {
      assertEquals(k, li.frame());
      li.next(z, 0);
      double e = LatentInterpolator.endSample(k, 1000, 30);
      assertEquals(e / hop, z[0], 1e-5, "frame " + k);
    }
  }

  @Test
  void holdGivesEachFrameTheLatentOfItsTrainingPair() {
    int hop = 100;
    LatentInterpolator li =
        new LatentInterpolator(LatentInterpolator.Mode.HOLD, 1, 1000, hop, 30, 0);
    for (int n = 0; n < 40; n++) {
      li.push(new float[] {n});
    }
    float[] z = new float[1];
    for (int k = 0; li.ready(); k++) {
      li.next(z, 0);
      long e = LatentInterpolator.endSample(k, 1000, 30);
      assertEquals(AlignedLatents.row(e, hop, 40), z[0], 0, "frame " + k);
    }
  }

  @Test
  void aLinearFrameWaitsForTheLatentAfterItsTimeAndAHeldOneDoesNot() {
    LatentInterpolator li =
        new LatentInterpolator(LatentInterpolator.Mode.LINEAR, 1, 1000, 100, 15, 0);
    LatentInterpolator held =
        new LatentInterpolator(LatentInterpolator.Mode.HOLD, 1, 1000, 100, 15, 0);
    assertFalse(li.ready());
    li.push(new float[] {0}); // latent 0: the silence before sample 0
    held.push(new float[] {0});
    float[] z = new float[1];
    li.next(z, 0); // frame 0 ends at sample 0
    held.next(z, 0);
    // Frame 1 ends at sample 67: a blend of latents 0 and 1 waits for latent 1 (sample 100)...
    assertEquals(1, li.latentNeeded(1));
    assertFalse(li.ready());
    // ...while holding shows latent 0 at once.
    assertEquals(0, held.latentNeeded(1));
    assertTrue(held.ready());
    li.push(new float[] {1});
    assertTrue(li.ready());
    assertEquals(1, li.ready(10)); // frame 2 ends at sample 133 and needs latent 2
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
    LatentInterpolator li =
        new LatentInterpolator(LatentInterpolator.Mode.LINEAR, 1, 1000, 20, fps, tau);
    for (int n = 0; n < 200; n++) {
      li.push(new float[] {n < 51 ? 0 : 1}); // a step at latent 51 = the audio ending at 1020
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
