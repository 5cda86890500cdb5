package org.mvgen.rave.data;

/**
 * How validation examples are held out: whole blocks of consecutive examples of one input, so that
 * no validation example has a training neighbour on both sides and the overlapping last example of
 * an input always sits with the one it overlaps. Recomputed over all inputs whenever the manifest
 * is written, so adding inputs may move it.
 *
 * @param valFraction fraction of the examples held out (RAVE: 0.02), in [0, 0.5]
 * @param maxValExamples most validation examples (RAVE: 1000)
 * @param blockExamples consecutive examples per block, at least 2
 * @param seed chooses which blocks
 */
public record RaveSplit(double valFraction, int maxValExamples, int blockExamples, long seed) {
  public RaveSplit {
    if (!(valFraction >= 0 && valFraction <= 0.5)) {
      throw new IllegalArgumentException(
          "rave.val_fraction (" + valFraction + ") must be in 0..0.5");
    }
    if (maxValExamples < 0) {
      throw new IllegalArgumentException(
          "rave.max_val_examples (" + maxValExamples + ") must not be negative");
    }
    if (blockExamples < 2) {
      throw new IllegalArgumentException(
          "rave.split_block (" + blockExamples + ") must be at least 2 examples");
    }
  }
}
