package org.mvgen.rave.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RAVE's training augmentation: an all-pass that keeps the spectrum, and dequantisation. */
class AugmentationTest {
  static final int SR = 44_100;

  @Test
  void theAllPassKeepsEveryFrequencysGainAndTurnsThePhase() {
    for (double hz : new double[] {20, 440, 2000}) {
      float[] h = new float[8192];
      h[0] = 1;
      Augmentation.allPass(h, 0, h.length, hz / SR, 0.99);
      double energy = 0;
      for (float v : h) {
        energy += v * v;
      }
      assertEquals(1.0, energy, 1e-4, "an all-pass keeps the energy (" + hz + " Hz)");
      double turned = 0;
      for (double f : new double[] {0.001, 0.01, hz / SR, 0.1, 0.3, 0.49}) {
        double re = 0;
        double im = 0;
        for (int n = 0; n < h.length; n++) {
          re += h[n] * Math.cos(2 * Math.PI * f * n);
          im -= h[n] * Math.sin(2 * Math.PI * f * n);
        }
        assertEquals(1.0, Math.hypot(re, im), 2e-3, "gain at " + f + " cycles/sample");
        turned = Math.max(turned, Math.abs(Math.atan2(im, re)));
      }
      assertTrue(turned > 1, "the phase turns (" + hz + " Hz): " + turned);
    }
  }

  @Test
  void dequantisationAddsLessThanHalfAStepAndIsAFunctionOfTheDraw() {
    Augmentation a = Augmentation.of(0, 16);
    float[] x = new float[4096];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i * 0.01);
    }
    float[] y = x.clone();
    float[] z = x.clone();
    Augmentation.Draw d = a.draw(new SplittableRandom(3));
    a.apply(d, y, 0, y.length, SR);
    a.apply(a.draw(new SplittableRandom(3)), z, 0, z.length, SR);
    assertArrayEquals(y, z, 0f, "the same draw, the same noise");
    double max = 0;
    int changed = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs(y[i] - x[i]));
      changed += y[i] != x[i] ? 1 : 0;
    }
    assertTrue(max <= 1.0 / 65536 + 1e-7, "at most half a 16-bit step: " + max);
    assertTrue(changed > x.length / 2, "most samples move: " + changed);
  }

  @Test
  void theProbabilityDecidesHowOftenThePhaseIsMangled() {
    Augmentation a = Augmentation.of(0.8, 0);
    SplittableRandom rnd = new SplittableRandom(9);
    int mangled = 0;
    for (int i = 0; i < 10_000; i++) {
      Augmentation.Draw d = a.draw(rnd);
      if (d.frequency() > 0) {
        mangled++;
        assertTrue(d.frequency() >= 20 && d.frequency() <= 2000, "" + d.frequency());
      }
    }
    assertEquals(8000, mangled, 200);
    assertTrue(Augmentation.NONE.isNone());
    assertThrows(IllegalArgumentException.class, () -> Augmentation.of(1.5, 16));
    assertThrows(IllegalArgumentException.class, () -> Augmentation.of(0.5, -1));
  }
}
