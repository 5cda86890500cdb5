package org.mvgen.dataset;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Chooses validation ranges. Pure and deterministic: the same sources and config give the same
 * split, however often the manifest is rewritten.
 */
public final class Splits {
  /** Short sources are still cut into this many blocks, so that they can contribute. */
  static final int MIN_BLOCKS = 10;

  private Splits() {}

  /**
   * What {@link #assign} does differently from {@code cfg} for {@code sources} sources, as a
   * warning for the user; empty when it follows {@code cfg}. A {@code VIDEOS} split needs two
   * videos (one to hold out, one to train on), so one video is split into time blocks instead.
   */
  public static Optional<String> fallback(int sources, SplitConfig cfg) {
    if (cfg.mode() == SplitConfig.Mode.VIDEOS && sources == 1 && cfg.valFraction() > 0) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "dataset.split = \"videos\" needs at least two videos and the dataset has one:"
                  + " its validation part is held out in time blocks of %s s instead, as with"
                  + " dataset.split = \"blocks\". Add videos and run ingest again to split by"
                  + " video.",
              cfg.blockSeconds()));
    }
    return Optional.empty();
  }

  /**
   * Returns the sources with their validation ranges filled in. With {@code VIDEOS} and a single
   * source, that source is split into blocks (see {@link #fallback}).
   */
  public static List<Manifest.SourceEntry> assign(
      List<Manifest.SourceEntry> sources, int fps, SplitConfig cfg) {
    List<Manifest.SourceEntry> out = new ArrayList<>();
    if (cfg.valFraction() == 0 || sources.isEmpty()) {
      sources.forEach(s -> out.add(s.withValidation(List.of())));
      return out;
    }
    if (cfg.mode() == SplitConfig.Mode.VIDEOS && sources.size() >= 2) {
      long total = sources.stream().mapToLong(Manifest.SourceEntry::pairs).sum();
      List<Manifest.SourceEntry> order = new ArrayList<>(sources);
      order.sort(Comparator.comparingLong(s -> hash(cfg.seed(), s.id(), 0)));
      List<String> val = new ArrayList<>();
      long held = 0;
      // Hold out whole videos until the fraction is reached; keep at least one for training.
      for (int i = 0; i < order.size() - 1 && held < cfg.valFraction() * total; i++) {
        val.add(order.get(i).id());
        held += order.get(i).pairs();
      }
      for (Manifest.SourceEntry s : sources) {
        out.add(
            s.withValidation(
                val.contains(s.id()) ? List.of(new long[] {0, s.pairs()}) : List.of()));
      }
      return out;
    }
    for (Manifest.SourceEntry s : sources) {
      out.add(s.withValidation(blocks(s.pairs(), fps, s.id(), cfg)));
    }
    return out;
  }

  /**
   * Validation blocks of one source: it is cut into equal contiguous blocks of about {@code
   * blockSeconds} (at least {@link #MIN_BLOCKS}), and {@code round(valFraction * blocks)} of them
   * (at least one), spread evenly from a seeded start, are held out.
   */
  static List<long[]> blocks(int pairs, int fps, String id, SplitConfig cfg) {
    long blockFrames = Math.max(1, Math.round(cfg.blockSeconds() * fps));
    int n = (int) Math.max(MIN_BLOCKS, (pairs + blockFrames - 1) / blockFrames);
    n = Math.min(n, pairs);
    if (n < 2) {
      return List.of();
    }
    int held = (int) Math.max(1, Math.round(cfg.valFraction() * n));
    held = Math.min(held, n - 1);
    int offset = (int) Math.floorMod(hash(cfg.seed(), id, 1), n);
    List<long[]> ranges = new ArrayList<>();
    boolean[] isVal = new boolean[n];
    for (int j = 0; j < held; j++) {
      isVal[(offset + (int) ((long) j * n / held)) % n] = true;
    }
    for (int b = 0; b < n; b++) {
      if (isVal[b]) {
        long from = (long) b * pairs / n;
        long to = (long) (b + 1) * pairs / n;
        if (!ranges.isEmpty() && ranges.get(ranges.size() - 1)[1] == from) {
          ranges.get(ranges.size() - 1)[1] = to;
        } else {
          ranges.add(new long[] {from, to});
        }
      }
    }
    return ranges;
  }

  private static long hash(long seed, String id, int salt) {
    CRC32 crc = new CRC32();
    crc.update((seed + ":" + salt + ":" + id).getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }
}
