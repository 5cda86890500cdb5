package org.mvgen.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DemoMusicTest {
  @Test
  void tracksAreDeterministicNormalisedAndDifferBySeed() {
    float[] a = DemoMusic.track(1, 10, 22050);
    float[] b = DemoMusic.track(1, 10, 22050);
    float[] c = DemoMusic.track(2, 10, 22050);
    assertEquals(220500, a.length);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
    float peak = 0;
    for (float v : a) {
      peak = Math.max(peak, Math.abs(v));
    }
    assertEquals(0.8f, peak, 1e-4);
  }

  @Test
  void theMusicHasBeatsAndSectionsThatVisualsCanFollow() {
    int sr = 22050;
    float[] x = DemoMusic.track(3, 40, sr);
    // Loudness in 50 ms blocks varies strongly (beats) ...
    int block = sr / 20;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int off = sr; off + block <= x.length; off += block) {
      double s = 0;
      for (int i = 0; i < block; i++) {
        s += x[off + i] * x[off + i];
      }
      double rms = Math.sqrt(s / block);
      min = Math.min(min, rms);
      max = Math.max(max, rms);
    }
    assertTrue(max > 4 * min, "rms from " + min + " to " + max);
  }
}
