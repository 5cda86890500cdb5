package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.CliTest.Run;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetCheck;
import org.mvgen.dataset.Npy;
import org.mvgen.media.TestMedia;
import org.mvgen.util.Progress;

/**
 * {@code mvgen dataset check}, {@code preview} and {@code ingest} through the command line, on a
 * dataset made by {@code mvgen ingest} from a video whose frame k shows the code of k.
 */
class DatasetCommandTest {
  static final int FRAMES = 50;
  static final int SIZE = 64;

  @TempDir static Path shared;

  /** An ingested and mel-encoded dataset; tests damage copies of it. */
  static Path template;

  static String sourceId;

  @BeforeAll
  static void ingestAndEncode() throws Exception {
    Path video = shared.resolve("clip.mkv");
    TestMedia.write(video, TestMedia.Spec.lossless(FRAMES, 25, 44100, new long[] {1000, 40_000}));
    template = shared.resolve("template");
    Run ingest =
        CliTest.run(
            "ingest",
            video.toString(),
            "--out",
            template.toString(),
            "--size",
            String.valueOf(SIZE),
            "--set",
            "dataset.shard_pairs=20"); // three shards, so one can be damaged in the middle
    assertEquals(Main.Exit.OK, ingest.code(), ingest.err());
    Run encode = CliTest.run("encode", template.toString(), "--encoder", "mel");
    assertEquals(Main.Exit.OK, encode.code(), encode.err());
    try (Dataset ds = Dataset.open(template)) {
      assertEquals(FRAMES, ds.size());
      assertEquals(1, ds.manifest().encoders().size(), "mel latents recorded");
      sourceId = ds.sources().get(0).id();
    }
  }

  /** A private copy of the template dataset. */
  static Path copy(Path dir) throws IOException {
    Path to = dir.resolve("ds");
    try (Stream<Path> files = Files.walk(template)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path q = to.resolve(template.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    return to;
  }

  static Path latentFile(Path ds) throws IOException {
    try (Stream<Path> s = Files.walk(ds.resolve("latents"))) {
      List<Path> npy = s.filter(p -> p.toString().endsWith(".npy")).toList();
      assertEquals(1, npy.size(), npy.toString());
      return npy.get(0);
    }
  }

  static void truncate(Path f, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  /** Runs {@code dataset check} and asserts it fails naming {@code file}. */
  static void assertCheckFailsNaming(Path ds, Path file) {
    Run r = CliTest.run("dataset", "check", ds.toString());
    assertEquals(Main.Exit.INPUT, r.code(), "check must fail:\n" + r.out() + r.err());
    assertTrue(
        r.out().lines().anyMatch(l -> l.startsWith("problem: ") && l.contains(file.toString())),
        "a problem line names " + file + ":\n" + r.out());
    assertTrue(r.out().contains("DAMAGED"), r.out());
  }

  @Test
  void checkPassesAnIntactDataset(@TempDir Path dir) throws Exception {
    Path ds = copy(dir);
    Run r = CliTest.run("dataset", "check", ds.toString(), "--deep");
    assertEquals(Main.Exit.OK, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("complete and intact: 1 sources, " + FRAMES + " pairs"), r.out());
    assertFalse(r.out().contains("problem:"), r.out());
  }

  @Test
  void checkFindsFlippedBytesInAShard(@TempDir Path dir) throws Exception {
    Path ds = copy(dir);
    Path shard = ds.resolve("shards").resolve(sourceId + "-0001.tar");
    byte[] b = Files.readAllBytes(shard);
    for (int i = b.length / 2; i < b.length / 2 + 16; i++) {
      b[i] ^= (byte) 0xA5; // same length: only the checksum can tell
    }
    Files.write(shard, b);
    assertCheckFailsNaming(ds, shard);
  }

  @Test
  void checkFindsATruncatedShard(@TempDir Path dir) throws Exception {
    Path ds = copy(dir);
    Path shard = ds.resolve("shards").resolve(sourceId + "-0001.tar");
    truncate(shard, Files.size(shard) / 2);
    assertCheckFailsNaming(ds, shard);
  }

  @Test
  void checkFindsATruncatedWav(@TempDir Path dir) throws Exception {
    Path ds = copy(dir);
    Path wav = ds.resolve("audio").resolve(sourceId + ".wav");
    truncate(wav, Files.size(wav) / 2);
    assertCheckFailsNaming(ds, wav);
  }

  @Test
  void checkFindsLatentsOfTheWrongShape(@TempDir Path dir) throws Exception {
    Path ds = copy(dir);
    Path latents = latentFile(ds);
    Npy.Array good = Npy.read(latents);
    assertEquals(FRAMES, good.rows());
    // One value per pair too few, and (in the second case) one pair too few.
    Npy.writeFloat32(latents, new float[FRAMES * (good.cols() - 1)], FRAMES, good.cols() - 1);
    assertCheckFailsNaming(ds, latents);
    Npy.writeFloat32(latents, new float[(FRAMES - 1) * good.cols()], FRAMES - 1, good.cols());
    assertCheckFailsNaming(ds, latents);
  }

  @Test
  void previewDrawsEveryTileFromItsPair(@TempDir Path dir) throws Exception {
    Path ds = copy(dir);
    Path png = dir.resolve("sheet.png");
    Run r = CliTest.run("dataset", "preview", ds.toString(), "-o", png.toString());
    assertEquals(Main.Exit.OK, r.code(), r.err());
    assertTrue(r.out().contains(png.toString()), r.out());
    byte[] bytes = Files.readAllBytes(png);
    assertArrayEquals(
        new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
        Arrays.copyOf(bytes, 8),
        "PNG signature");
    assertTrue(bytes.length > 20_000, "a sheet of 24 frames, not a stub: " + bytes.length);
    BufferedImage sheet = ImageIO.read(png.toFile());
    // 24 tiles of 160 px in 6 columns, 4 rows: about 1000 x 940.
    assertTrue(sheet.getWidth() >= 6 * 160 && sheet.getWidth() <= 6 * 200, "" + sheet.getWidth());
    assertTrue(
        sheet.getHeight() >= 4 * 160 && sheet.getHeight() <= 4 * 260, "" + sheet.getHeight());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < sheet.getHeight(); y += 3) {
      for (int x = 0; x < sheet.getWidth(); x += 3) {
        colours.add(sheet.getRGB(x, y) & 0xffffff);
      }
    }
    assertTrue(colours.size() > 10, "not one colour: " + colours.size() + " colours");
    // Tile i shows pair round(i * 49 / 23); its picture is the code of that frame.
    int tile = 160;
    int cellH = tile + tile / 3 + 14 + 6;
    for (int i = 0; i < 24; i++) {
      int pair = (int) Math.round(i * (FRAMES - 1) / 23.0);
      int x0 = 6 + (i % 6) * (tile + 6);
      int y0 = 6 + (i / 6) * cellH;
      assertEquals(pair, codeAt(sheet, x0, y0, tile), "tile " + i);
    }
  }

  /** Reads the {@link TestMedia} code of a frame drawn at {@code (x0, y0)}, {@code side} wide. */
  static int codeAt(BufferedImage img, int x0, int y0, int side) {
    int code = 0;
    for (int cy = 0; cy < 4; cy++) {
      for (int cx = 0; cx < 4; cx++) {
        int rgb = img.getRGB(x0 + (2 * cx + 1) * side / 8, y0 + (2 * cy + 1) * side / 8);
        if (((rgb >> 8) & 0xff) > 128) {
          code |= 1 << (cy * 4 + cx);
        }
      }
    }
    return code;
  }

  @Test
  void previewOfABadPathNamesIt(@TempDir Path dir) {
    Path missing = dir.resolve("no such dataset");
    Path png = dir.resolve("sheet.png");
    Run r = CliTest.run("dataset", "preview", missing.toString(), "-o", png.toString());
    assertNotEquals(Main.Exit.OK, r.code());
    assertTrue(r.err().contains(missing.toString()), r.err());
    assertFalse(Files.exists(png), "no sheet written");

    Path notDataset = dir.resolve("plain");
    Run r2 = CliTest.run("dataset", "preview", notDataset.toString(), "-o", png.toString());
    assertNotEquals(Main.Exit.OK, r2.code());
    assertTrue(r2.err().contains(notDataset.toString()), r2.err());
  }

  @Test
  void ingestOfOnlyASilentVideoFailsAndClaimsNothing(@TempDir Path dir) throws Exception {
    Path silent = dir.resolve("silent video.mkv");
    TestMedia.write(silent, TestMedia.Spec.lossless(10, 25, 44100, new long[] {}).withoutAudio());
    Path out = dir.resolve("ds");
    Run r = CliTest.run("ingest", silent.toString(), "--out", out.toString());
    assertNotEquals(Main.Exit.OK, r.code(), r.out());
    assertTrue(r.err().contains(silent.toString()), r.err());
    assertTrue(r.err().contains("no audio"), r.err());
    assertFalse(
        Files.exists(out.resolve("manifest.json")),
        "no manifest: nothing was ingested\n" + r.out());
    DatasetCheck.Report rep = DatasetCheck.run(out, false, Progress.SILENT);
    assertFalse(rep.ok(), "check must not call it complete: " + rep);
    Run check = CliTest.run("dataset", "check", out.toString());
    assertEquals(Main.Exit.INPUT, check.code(), check.out());
  }

  @Test
  void videosSplitOfOneVideoWarnsThatItUsesBlocks(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("only.mkv");
    TestMedia.write(video, TestMedia.Spec.lossless(30, 25, 44100, new long[] {}));
    Path out = dir.resolve("ds");
    Run r =
        CliTest.run(
            "ingest",
            video.toString(),
            "--out",
            out.toString(),
            "--size",
            "32",
            "--split",
            "videos",
            "--val-fraction",
            "0.2");
    assertEquals(Main.Exit.OK, r.code(), r.err());
    assertTrue(
        r.err().lines().anyMatch(l -> l.startsWith("warning:") && l.contains("blocks")),
        "a warning says the split fell back to blocks:\n" + r.err());
    try (Dataset ds = Dataset.open(out)) {
      long val = ds.pairs(org.mvgen.dataset.Split.VALIDATION).length;
      assertTrue(val > 0 && val < ds.size(), "part of the one video is held out: " + val);
    }
  }
}
