package org.mvgen.rave.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses the validation examples: whole blocks of consecutive examples of one input, spread evenly
 * over all inputs from a seeded start. Pure logic.
 *
 * <p>Each input of {@code n} examples is cut into {@code max(1, n / B)} blocks of near-equal size
 * (so between {@code B} and {@code 2B - 1} examples, or the whole input when it is shorter). About
 * {@code min(maxVal, max(1, round(fraction · N)))} examples are held out, rounded to whole blocks,
 * never every block: at least one block stays for training, so a folder of fewer than two blocks
 * has no validation set. An input's last block holds its last example, which may overlap the one
 * before it, so the two are always on the same side.
 */
final class Splitter {
  private Splitter() {}

  /**
   * The held-out {@code [from, to)} example ranges of each input.
   *
   * @param counts examples of each input, in manifest order
   */
  static List<List<long[]>> split(int[] counts, RaveSplit cfg) {
    List<long[]> blocks = new ArrayList<>(); // {input, from, to}
    long total = 0;
    for (int i = 0; i < counts.length; i++) {
      int n = counts[i];
      total += n;
      if (n == 0) {
        continue;
      }
      int k = Math.max(1, n / cfg.blockExamples());
      for (int b = 0; b < k; b++) {
        blocks.add(new long[] {i, (long) b * n / k, (long) (b + 1) * n / k});
      }
    }
    List<List<long[]>> out = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      out.add(new ArrayList<>());
    }
    int m = blocks.size();
    long target =
        Math.min(cfg.maxValExamples(), Math.max(1, Math.round(cfg.valFraction() * total)));
    if (m < 2 || cfg.valFraction() == 0 || target == 0) {
      return out;
    }
    double average = total / (double) m;
    int pick = (int) Math.max(1, Math.min(m - 1, Math.round(target / average)));
    double u = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + 17).nextDouble();
    List<long[]> chosen = new ArrayList<>();
    long held = 0;
    for (int j = 0; j < pick; j++) {
      long[] b = blocks.get((int) Math.floor((j + u) * m / pick));
      long size = b[2] - b[1];
      if (!chosen.isEmpty() && held + size > cfg.maxValExamples()) {
        break;
      }
      chosen.add(b);
      held += size;
    }
    for (long[] b : chosen) {
      List<long[]> ranges = out.get((int) b[0]);
      long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
      if (last != null && last[1] == b[1]) {
        last[1] = b[2]; // neighbouring blocks: one range
      } else {
        ranges.add(new long[] {b[1], b[2]});
      }
    }
    return out;
  }
}
