package org.mvgen.dataset;

/**
 * How validation pairs are held out. Neighbouring frames are near copies, so a random per-frame
 * split would leak: validation is always whole contiguous time blocks, or whole videos.
 *
 * @param mode {@code BLOCKS} or {@code VIDEOS}
 * @param valFraction fraction of pairs held out, in [0, 0.9]
 * @param blockSeconds length of a block for {@code BLOCKS}
 * @param seed chooses which blocks or videos
 */
public record SplitConfig(Mode mode, double valFraction, double blockSeconds, long seed) {
  /** The unit of hold-out. */
  public enum Mode {
    BLOCKS,
    VIDEOS
  }

  public SplitConfig {
    if (!(valFraction >= 0 && valFraction <= 0.9)) {
      throw new IllegalArgumentException("valFraction (" + valFraction + ") must be in 0..0.9");
    }
    if (!(blockSeconds > 0)) {
      throw new IllegalArgumentException("blockSeconds (" + blockSeconds + ") must be positive");
    }
  }
}
