package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Validation splits as a reader of the dataset sees them: which pairs {@link Dataset} calls
 * validation, for datasets written with each split mode.
 */
class SplitsTest {
  static final int FPS = DatasetWriterTest.PARAMS.fps();

  /** Writes sources of the given frame counts (tiny frames, silent audio) and the manifest. */
  static void write(Path dir, SplitConfig split, int... frames) throws Exception {
    try (DatasetWriter w =
        DatasetWriter.create(dir, DatasetWriterTest.PARAMS, new ImageCodec(16, 0), 500)) {
      for (int i = 0; i < frames.length; i++) {
        String id = "src" + i;
        try (DatasetWriter.SourceWriter s = w.source(id, id + ".mkv", "/x/" + id, Map.of())) {
          s.audio(new float[frames[i] * 320], 0, frames[i] * 320);
          byte[] rgb = DatasetWriterTest.frame(i);
          for (int k = 0; k < frames[i]; k++) {
            s.frame(rgb);
          }
          s.commit();
        }
      }
      w.finish(split);
    }
  }

  /** Maximal runs of one split in a source: {from, to, 1 if validation}. */
  static List<long[]> runs(Dataset ds, Dataset.Source s) {
    List<long[]> runs = new ArrayList<>();
    for (int k = 0; k < s.pairs(); k++) {
      long v = ds.isValidation(s.firstPair() + k) ? 1 : 0;
      if (!runs.isEmpty() && runs.get(runs.size() - 1)[2] == v) {
        runs.get(runs.size() - 1)[1] = k + 1;
      } else {
        runs.add(new long[] {k, k + 1, v});
      }
    }
    return runs;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42})
  void blocksAreContiguousRunsOfAboutBlockSeconds(long seed, @TempDir Path dir) throws Exception {
    double blockSeconds = 2;
    int blockFrames = (int) (blockSeconds * FPS); // 50
    SplitConfig cfg = new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, blockSeconds, seed);
    // 24 s, 40 s and an uneven 30.4 s: 12, 20 and 16 blocks of about 50 frames.
    write(dir, cfg, 600, 1000, 760);
    try (Dataset ds = Dataset.open(dir)) {
      Set<Long> train = new HashSet<>();
      for (long p : ds.pairs(Split.TRAIN)) {
        train.add(p);
      }
      Set<Long> val = new HashSet<>();
      for (long p : ds.pairs(Split.VALIDATION)) {
        val.add(p);
      }
      assertEquals(ds.size(), train.size() + val.size());
      for (long p = 0; p < ds.size(); p++) {
        assertTrue(train.contains(p) != val.contains(p), "pair " + p + " is in exactly one split");
        assertEquals(ds.isValidation(p), val.contains(p), "pair " + p);
      }
      for (Dataset.Source s : ds.sources()) {
        // The source is cut into equal blocks as close to blockFrames as a whole number allows.
        double block = s.pairs() / Math.ceil(s.pairs() / (double) blockFrames);
        assertTrue(block > 0.9 * blockFrames && block <= blockFrames, s.id() + ": " + block);
        List<long[]> runs = runs(ds, s);
        long held = 0;
        int valRuns = 0;
        for (long[] r : runs) {
          long len = r[1] - r[0];
          // Every run, validation or training, is a whole number of blocks: a validation block
          // holds no training pair, and validation is never a scattering of single frames.
          long blocks = Math.round(len / block);
          assertTrue(
              blocks >= 1 && Math.abs(len - blocks * block) < 1,
              s.id() + ": run [" + r[0] + ", " + r[1] + ") is not whole blocks of " + block);
          if (r[2] == 1) {
            held += len;
            valRuns++;
          }
        }
        assertTrue(valRuns >= 1, s.id() + " contributes validation");
        assertTrue(runs.size() >= 2, s.id() + " also has training pairs");
        assertEquals(0.2, held / (double) s.pairs(), 0.05, s.id() + " holds out about 20%");
      }
    }
  }

  @Test
  void shortSourcesAreStillCutIntoTenBlocks(@TempDir Path dir) throws Exception {
    // 3 s against 20 s blocks: ten blocks of 7 or 8 frames, two of them held out.
    write(dir, new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, 20, 5), 75);
    try (Dataset ds = Dataset.open(dir)) {
      long held = 0;
      for (long[] r : runs(ds, ds.sources().get(0))) {
        long len = r[1] - r[0];
        long blocks = Math.round(len / 7.5);
        assertTrue(blocks >= 1 && Math.abs(len - blocks * 7.5) < 1, "run of " + len);
        held += r[2] * len;
      }
      assertEquals(15, held, 1, "two blocks of 7.5 frames");
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42})
  void videosSplitHoldsOutWholeVideos(long seed, @TempDir Path dir) throws Exception {
    SplitConfig cfg = new SplitConfig(SplitConfig.Mode.VIDEOS, 0.3, 1, seed);
    write(dir, cfg, 30, 45, 60, 75, 90);
    try (Dataset ds = Dataset.open(dir)) {
      int valVideos = 0;
      long held = 0;
      for (Dataset.Source s : ds.sources()) {
        List<long[]> runs = runs(ds, s);
        assertEquals(1, runs.size(), s.id() + " is wholly train or wholly validation");
        if (runs.get(0)[2] == 1) {
          valVideos++;
          held += s.pairs();
        }
      }
      assertTrue(valVideos >= 1, "some video is held out");
      assertTrue(valVideos < ds.sources().size(), "some video is left for training");
      assertTrue(held >= 0.3 * ds.size(), "at least the fraction: " + held + " of " + ds.size());
      assertEquals(held, ds.pairs(Split.VALIDATION).length);
    }
  }

  @Test
  void videosSplitOfOneVideoUsesBlocksAndSaysSo(@TempDir Path dir) throws Exception {
    SplitConfig cfg = new SplitConfig(SplitConfig.Mode.VIDEOS, 0.2, 2, 1);
    write(dir, cfg, 600);
    try (Dataset ds = Dataset.open(dir)) {
      List<long[]> runs = runs(ds, ds.sources().get(0));
      assertTrue(runs.size() >= 3, "held out in blocks, not the whole video: " + runs.size());
      for (long[] r : runs) {
        long len = r[1] - r[0];
        assertEquals(0, len % 50, "whole 2 s blocks: [" + r[0] + ", " + r[1] + ")");
      }
    }
    String note = Splits.fallback(1, cfg).orElseThrow();
    assertTrue(note.contains("videos") && note.contains("blocks"), note);
    assertFalse(Splits.fallback(2, cfg).isPresent(), "two videos are split by video");
    assertFalse(
        Splits.fallback(1, new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, 2, 1)).isPresent(),
        "blocks was asked for");
    assertFalse(
        Splits.fallback(1, new SplitConfig(SplitConfig.Mode.VIDEOS, 0, 2, 1)).isPresent(),
        "nothing is held out");
  }
}
