package org.mvgen.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FrameSamplerTest {
  @Test
  void downsamplesThirtyToTwentyFive() {
    FrameSampler s = new FrameSampler(25);
    int[] covered = new int[31];
    for (int j = 0; j < 30; j++) {
      int n = s.next(Math.round(j * 1e6 / 30));
      if (j > 0) {
        covered[j - 1] = n;
      }
    }
    covered[29] = s.finish(1_000_000);
    int total = 0;
    for (int j = 0; j < 30; j++) {
      total += covered[j];
    }
    assertEquals(25, total);
    // Output k (at 40k ms) shows source floor(6k/5) (at 33.3j ms): every sixth source frame is
    // never on screen.
    int[] expected = new int[30];
    for (int k = 0; k < 25; k++) {
      expected[6 * k / 5]++;
    }
    assertArrayEquals(expected, java.util.Arrays.copyOf(covered, 30));
    assertEquals(0, covered[5]);
  }

  @Test
  void repeatsFramesAcrossGapsAndDropsNonIncreasingTimes() {
    FrameSampler s = new FrameSampler(10);
    assertEquals(0, s.next(50_000)); // first frame: held
    assertEquals(6, s.next(550_000)); // covers k=0 (before it started) .. k=5
    assertEquals(-1, s.next(550_000)); // duplicate timestamp
    assertEquals(-1, s.next(500_000)); // goes back in time
    assertEquals(4, s.finish(1_000_000)); // k=6..9
    assertEquals(10, s.nextOutput());
  }

  @Test
  void lastFrameMustBeShownHalfItsTime() {
    FrameSampler s = new FrameSampler(25);
    s.next(0);
    assertEquals(25, s.finish(1_000_300)); // 0.3 ms into frame 25: not counted
    FrameSampler t = new FrameSampler(25);
    t.next(0);
    assertEquals(26, t.finish(1_021_000)); // over half of frame 25: counted
  }
}
