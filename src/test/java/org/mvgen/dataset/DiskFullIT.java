package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.media.TestMedia;
import org.mvgen.util.Progress;

/** Fills a real (small tmpfs) disk during ingest: a clear error, and earlier sources intact. */
class DiskFullIT {
  @Test
  void fullDiskFailsWithAMessageAndKeepsEarlierSources(@TempDir Path dir) throws Exception {
    Path mount = dir.resolve("small");
    Files.createDirectories(mount);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    Assumptions.assumeTrue(
        p.waitFor() == 0, "cannot mount a small tmpfs to fill (needs root): " + out.strip());
    try {
      Path small = dir.resolve("small.mkv");
      Path big = dir.resolve("big.mkv");
      TestMedia.write(small, TestMedia.Spec.lossless(20, 25, 44100, new long[] {}));
      TestMedia.write(big, TestMedia.Spec.lossless(400, 25, 44100, new long[] {}));
      Path ds = mount.resolve("ds");
      IngestConfig first = config(ds, List.of(small.toString()));
      Ingest.run(first, Progress.SILENT);
      DatasetFormatException e =
          assertThrows(
              DatasetFormatException.class,
              () ->
                  Ingest.run(
                      config(ds, List.of(small.toString(), big.toString())), Progress.SILENT));
      assertTrue(e.getMessage().contains("big.mkv"), e.getMessage());
      assertTrue(e.getMessage().contains("disk is full"), e.getMessage());
      DatasetCheck.Report r = DatasetCheck.run(ds, true, Progress.SILENT);
      assertTrue(r.ok(), "the first source is intact: " + r.problems());
      assertEquals(20, r.pairs());
    } finally {
      new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
    }
  }

  private static IngestConfig config(Path out, List<String> inputs) {
    return new IngestConfig(
        inputs,
        out,
        new DatasetParams(44100, 25, 256, 2048),
        0, // PNG: big frames fill the disk quickly
        100,
        new SplitConfig(SplitConfig.Mode.BLOCKS, 0.1, 20, 1),
        0);
  }
}
