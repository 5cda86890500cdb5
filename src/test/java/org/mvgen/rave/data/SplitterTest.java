package org.mvgen.rave.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SplitterTest {
  static long held(List<List<long[]>> v) {
    return v.stream().flatMap(List::stream).mapToLong(r -> r[1] - r[0]).sum();
  }

  @Test
  void heldOutRangesAreWholeBlocksOfOneInputAndNeverEverything() {
    int[] counts = {1, 7, 60, 333, 16, 2, 1200};
    RaveSplit cfg = new RaveSplit(0.02, 1000, 8, 3);
    List<List<long[]>> v = Splitter.split(counts, cfg);
    long total = 1619;
    long h = held(v);
    assertTrue(h >= 0.02 * total - 15 && h <= 0.02 * total + 15, "held " + h);
    for (int i = 0; i < counts.length; i++) {
      int n = counts[i];
      int k = Math.max(1, n / 8);
      for (long[] r : v.get(i)) {
        // Each range starts and ends on a block boundary of its input.
        assertTrue(isBoundary(r[0], n, k) && isBoundary(r[1], n, k), i + ": " + r[0] + ".." + r[1]);
        assertTrue(r[0] < r[1] && r[1] <= n);
      }
      long inputHeld = v.get(i).stream().mapToLong(r -> r[1] - r[0]).sum();
      assertTrue(inputHeld < n || counts.length > 1);
    }
  }

  static boolean isBoundary(long x, int n, int k) {
    for (int b = 0; b <= k; b++) {
      if ((long) b * n / k == x) {
        return true;
      }
    }
    return false;
  }

  @Test
  void theLastExampleOfAnInputIsAlwaysOnTheSideOfTheOneBeforeIt() {
    // The last example may overlap the one before: they must share a side.
    for (long seed = 0; seed < 50; seed++) {
      int[] counts = {9, 17, 23, 8, 41};
      List<List<long[]>> v = Splitter.split(counts, new RaveSplit(0.3, 1000, 8, seed));
      for (int i = 0; i < counts.length; i++) {
        int n = counts[i];
        boolean last = false;
        boolean before = false;
        for (long[] r : v.get(i)) {
          last |= n - 1 >= r[0] && n - 1 < r[1];
          before |= n - 2 >= r[0] && n - 2 < r[1];
        }
        assertEquals(last, before, "seed " + seed + " input " + i);
      }
    }
  }

  @Test
  void atMostMaxValExamplesAndAtLeastOneBlock() {
    List<List<long[]>> v = Splitter.split(new int[] {100_000}, new RaveSplit(0.02, 1000, 8, 1));
    long h = held(v);
    assertTrue(h <= 1000 && h > 980, "held " + h);
    List<List<long[]>> tiny = Splitter.split(new int[] {20}, new RaveSplit(0.02, 1000, 8, 1));
    assertEquals(10, held(tiny), "20 examples: two blocks of 10, one held out");
  }

  @Test
  void fewerThanTwoBlocksOrAZeroFractionHoldNothingOut() {
    assertEquals(0, held(Splitter.split(new int[] {15}, new RaveSplit(0.02, 1000, 8, 1))));
    assertEquals(0, held(Splitter.split(new int[] {3}, new RaveSplit(0.5, 1000, 2, 1))));
    assertEquals(0, held(Splitter.split(new int[] {500}, new RaveSplit(0, 1000, 8, 1))));
  }

  @Test
  void theSeedMovesTheBlocksAndTheSameSeedGivesTheSameSplit() {
    int[] counts = {400, 400};
    String a = toString(Splitter.split(counts, new RaveSplit(0.05, 1000, 8, 1)));
    assertEquals(a, toString(Splitter.split(counts, new RaveSplit(0.05, 1000, 8, 1))));
    boolean moved = false;
    for (long s = 2; s < 6; s++) {
      moved |= !a.equals(toString(Splitter.split(counts, new RaveSplit(0.05, 1000, 8, s))));
    }
    assertTrue(moved);
    assertNotEquals("", a);
  }

  static String toString(List<List<long[]>> v) {
    StringBuilder sb = new StringBuilder();
    for (List<long[]> in : v) {
      for (long[] r : in) {
        sb.append(r[0]).append('-').append(r[1]).append(' ');
      }
      sb.append('|');
    }
    return sb.toString();
  }
}
