package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetWriterTest {
  static final DatasetParams PARAMS = new DatasetParams(8000, 25, 16, 640);
  static final SplitConfig SPLIT = new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, 1.0, 7);

  /** A frame whose every pixel is {@code k}: exact through PNG. */
  static byte[] frame(int k) {
    byte[] rgb = new byte[16 * 16 * 3];
    java.util.Arrays.fill(rgb, (byte) k);
    return rgb;
  }

  /** Writes a source whose audio sample i has value i (so windows show their own position). */
  static void writeSource(DatasetWriter w, String id, int frames, int samples) throws Exception {
    try (DatasetWriter.SourceWriter s = w.source(id, id + ".mkv", "/x/" + id, Map.of())) {
      float[] pcm = new float[samples];
      for (int i = 0; i < samples; i++) {
        pcm[i] = i;
      }
      s.audio(pcm, 0, samples);
      for (int k = 0; k < frames; k++) {
        s.frame(frame(k));
      }
      s.commit();
    }
  }

  @Test
  void roundTripsFramesWindowsAndSplits(@TempDir Path dir) throws Exception {
    try (DatasetWriter w = DatasetWriter.create(dir, PARAMS, new ImageCodec(16, 0), 7)) {
      writeSource(w, "aaa", 50, 50 * 320);
      writeSource(w, "bbb", 30, 30 * 320 + 5);
      w.finish(SPLIT);
    }
    try (Dataset ds = Dataset.open(dir)) {
      assertEquals(80, ds.size());
      assertEquals(2, ds.sources().size());
      for (long i = 0; i < ds.size(); i++) {
        int k = ds.frameIndex(i);
        assertArrayEquals(frame(k), ds.rgb(i), "pair " + i);
        float[] win = ds.audioWindow(i);
        long end = 320L * k; // 8000 Hz / 25 fps
        for (int j = 0; j < 640; j++) {
          long sample = end - 640 + j;
          assertEquals(sample < 0 ? 0f : (float) sample, win[j], "pair " + i + " offset " + j);
        }
      }
      long[] train = ds.pairs(Split.TRAIN);
      long[] val = ds.pairs(Split.VALIDATION);
      assertEquals(80, train.length + val.length);
      assertTrue(val.length > 0, "some validation");
      for (long v : val) {
        assertTrue(ds.isValidation(v));
      }
      for (long t : train) {
        assertFalse(ds.isValidation(t));
      }
    }
    // The shards are valid tar files a standard reader accepts.
    assertEquals(
        2 * 7,
        Tar.list(dir.resolve("shards").resolve("aaa-0000.tar")).size(),
        "7 pairs, 2 files each");
  }

  @Test
  void interruptedSourceLeavesNoTraceAndIsRedone(@TempDir Path dir) throws Exception {
    try (DatasetWriter w = DatasetWriter.create(dir, PARAMS, new ImageCodec(16, 90), 4)) {
      writeSource(w, "aaa", 10, 3200);
      DatasetWriter.SourceWriter s = w.source("bbb", "b", "b", Map.of());
      for (int k = 0; k < 9; k++) {
        s.frame(frame(k)); // two shards complete, one open
      }
      // no commit: as if the run stopped here
    }
    assertThrows(DatasetFormatException.class, () -> Dataset.open(dir));
    try (DatasetWriter w = DatasetWriter.create(dir, PARAMS, new ImageCodec(16, 90), 4)) {
      assertTrue(w.hasSource("aaa"));
      assertFalse(w.hasSource("bbb"));
      writeSource(w, "bbb", 6, 2000);
      w.finish(SPLIT);
    }
    try (Dataset ds = Dataset.open(dir)) {
      assertEquals(16, ds.size());
    }
    try (var files = Files.list(dir.resolve("shards"))) {
      assertEquals(3 + 2, files.count(), "no shards of the abandoned attempt remain");
    }
  }

  @Test
  void refusesOtherParameters(@TempDir Path dir) throws Exception {
    DatasetWriter.create(dir, PARAMS, new ImageCodec(16, 90)).close();
    DatasetParams other = new DatasetParams(8000, 30, 16, 640);
    var e =
        assertThrows(
            DatasetFormatException.class,
            () -> DatasetWriter.create(dir, other, new ImageCodec(16, 90)));
    assertTrue(e.getMessage().contains("another --out"), e.getMessage());
  }

  @Test
  void alignmentRoundsHalvesUpAndCountsFrames() {
    Alignment a = new Alignment(44100, 24, 2048);
    assertEquals(0, a.end(0));
    assertEquals(1838, a.end(1)); // 1837.5 rounds up
    assertEquals(3675, a.end(2));
    assertEquals(-2048, a.start(0));
    assertEquals(25, new Alignment(44100, 25, 2048).frameCount(1_000_000));
    assertEquals(25, new Alignment(44100, 25, 2048).frameCount(1_000_400));
    assertEquals(26, new Alignment(44100, 25, 2048).frameCount(1_020_001));
  }

  @Test
  void npyRoundTripAndHeader(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.npy");
    float[] data = {1, 2, 3, 4, 5, 6};
    Npy.writeFloat32(f, data, 2, 3);
    Npy.Array a = Npy.read(f);
    assertEquals(2, a.rows());
    assertEquals(3, a.cols());
    float[] row = new float[3];
    a.row(1, row, 0);
    assertArrayEquals(new float[] {4, 5, 6}, row);
    byte[] bytes = Files.readAllBytes(f);
    assertEquals(0, (10 + (bytes[8] & 0xff)) % 64, "header aligned to 64 bytes as NumPy requires");
    String header =
        new String(bytes, 10, bytes[8] & 0xff, java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(header.contains("'shape': (2, 3)"), header);
    Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    assertThrows(DatasetFormatException.class, () -> Npy.read(f));
  }
}
