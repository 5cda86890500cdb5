package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.media.TestMedia;
import org.mvgen.util.Progress;

/**
 * Kills a real ingest process with SIGKILL in the middle of its work, at several moments, and
 * checks that the dataset then reads as incomplete and that the next ingest completes it.
 */
class IngestKillIT {
  @Test
  void killNineAtAnyMomentLeavesAnIncompleteDatasetThatTheNextRunCompletes(@TempDir Path dir)
      throws Exception {
    Path a = dir.resolve("a.mkv");
    Path b = dir.resolve("b.mkv");
    TestMedia.write(a, TestMedia.Spec.lossless(300, 25, 44100, new long[] {100}));
    TestMedia.write(b, TestMedia.Spec.lossless(300, 25, 44100, new long[] {200}));
    Path out = dir.resolve("ds");
    List<String> inputs = List.of(a.toString(), b.toString());
    int kills = 0;
    // Kill after the first shard appears, then after the first source is complete.
    for (String waitFor : List.of("shard", "marker")) {
      Process p = startIngest(inputs, out);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (p.isAlive() && System.nanoTime() < deadline && !reached(out, waitFor)) {
        Thread.sleep(5);
      }
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, no cleanup
        kills++;
        DatasetCheck.Report r = DatasetCheck.run(out, false, Progress.SILENT);
        assertFalse(r.ok(), "after kill -9 at '" + waitFor + "' the dataset must not look done");
      }
    }
    assertTrue(kills > 0, "the ingest finished before it could be killed; make the videos longer");
    IngestConfig cfg =
        new IngestConfig(
            inputs,
            out,
            new DatasetParams(44100, 25, 256, 2048),
            92,
            50,
            new SplitConfig(SplitConfig.Mode.BLOCKS, 0.1, 20, 1),
            0);
    Ingest.run(cfg, Progress.SILENT);
    DatasetCheck.Report r = DatasetCheck.run(out, true, Progress.SILENT);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(600, r.pairs());
  }

  private static boolean reached(Path out, String what) throws Exception {
    Path sub = out.resolve(what.equals("shard") ? "shards" : "sources");
    if (!Files.isDirectory(sub)) {
      return false;
    }
    try (Stream<Path> s = Files.list(sub)) {
      return s.anyMatch(p -> p.toString().endsWith(what.equals("shard") ? ".tar" : ".json"));
    }
  }

  private static Process startIngest(List<String> inputs, Path out) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "org.mvgen.cli.Main",
                "ingest",
                "--out",
                out.toString(),
                "--set",
                "dataset.shard_pairs=50"));
    cmd.addAll(inputs);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }
}
