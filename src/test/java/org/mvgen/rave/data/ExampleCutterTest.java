package org.mvgen.rave.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExampleCutterTest {
  static final int L = 100;

  /** A stream whose sample n is a non-silent function of n, so each example shows its origin. */
  static float value(long n) {
    return 0.25f + (n % 1000) / 4000f;
  }

  record Cut(List<Long> starts, List<float[]> examples, ExampleCutter cutter) {}

  static Cut cut(float[] stream, double minTail, int block) throws Exception {
    List<Long> starts = new ArrayList<>();
    List<float[]> examples = new ArrayList<>();
    ExampleCutter c =
        new ExampleCutter(
            L,
            minTail,
            -60,
            (start, ex) -> {
              starts.add(start);
              examples.add(ex.clone());
            });
    float[] buf = new float[block];
    for (int off = 0; off < stream.length; off += block) {
      int n = Math.min(block, stream.length - off);
      System.arraycopy(stream, off, buf, 0, n);
      c.accept(buf, n);
      Arrays.fill(buf, 7f); // the cutter must not keep the caller's buffer
    }
    c.finish();
    return new Cut(starts, examples, c);
  }

  static float[] stream(int n) {
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = value(i);
    }
    return s;
  }

  @Test
  void examplesAreConsecutiveSpansWhateverTheBlockSize() throws Exception {
    float[] s = stream(5 * L);
    for (int block : new int[] {1, 7, L, 3 * L + 1, 10 * L}) {
      Cut c = cut(s, 0.5, block);
      assertEquals(List.of(0L, 100L, 200L, 300L, 400L), c.starts(), "block " + block);
      for (int j = 0; j < 5; j++) {
        assertArrayEquals(Arrays.copyOfRange(s, j * L, (j + 1) * L), c.examples().get(j));
      }
      assertEquals(0, c.cutter().tailDropped());
    }
  }

  @Test
  void aLongTailIsTheLastExampleLengthOfTheStreamOverlappingTheOneBefore() throws Exception {
    float[] s = stream(3 * L + 60);
    Cut c = cut(s, 0.5, 33);
    assertEquals(List.of(0L, 100L, 200L, 260L), c.starts());
    assertArrayEquals(Arrays.copyOfRange(s, 260, 360), c.examples().get(3));
    assertEquals(0, c.cutter().tailDropped());
    assertEquals(360, c.cutter().total());
  }

  @Test
  void aShortTailIsDroppedAndCounted() throws Exception {
    Cut c = cut(stream(3 * L + 40), 0.5, 64);
    assertEquals(List.of(0L, 100L, 200L), c.starts());
    assertEquals(40, c.cutter().tailDropped());
    Cut none = cut(stream(3 * L + 99), 1.0, 64);
    assertEquals(3, none.starts().size(), "min_tail 1 drops every tail");
  }

  @Test
  void aStreamShorterThanOneExampleGivesNone() throws Exception {
    Cut c = cut(stream(L - 1), 0.0, 16);
    assertTrue(c.starts().isEmpty());
    assertTrue(c.cutter().tooShort());
    assertEquals(L - 1, c.cutter().tailDropped());
    Cut exact = cut(stream(L), 0.5, 16);
    assertEquals(List.of(0L), exact.starts());
    assertFalse(exact.cutter().tooShort());
  }

  @Test
  void silentAndVeryQuietExamplesAreDropped() throws Exception {
    float[] s = stream(5 * L);
    Arrays.fill(s, L, 2 * L, 0f); // digital silence
    for (int i = 3 * L; i < 4 * L; i++) {
      s[i] = (i % 2 == 0 ? 1 : -1) * 5e-4f; // -66 dBFS: below -60
    }
    s[3 * L + 5] = 0.001f;
    Cut c = cut(s, 0.5, 50);
    assertEquals(List.of(0L, 200L, 400L), c.starts());
    assertEquals(2, c.cutter().silent());
    assertEquals(3, c.cutter().kept());
    // -54 dBFS is kept.
    Arrays.fill(s, 3 * L, 4 * L, 2e-3f);
    assertEquals(4, cut(s, 0.5, 50).starts().size());
  }
}
