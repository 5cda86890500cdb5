package org.mvgen.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.CliTest.Run;
import org.mvgen.media.TestMedia;
import org.mvgen.util.FolderLock;

/** {@code --shard}, {@code dataset merge} and a refused writer, through the command line. */
class ShardCommandsTest {
  @Test
  void aHalfDoneJobIsReportedMergedAndChecks(@TempDir Path dir) throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("videos"));
    for (int i = 0; i < 3; i++) {
      TestMedia.write(
          dir.resolve("videos").resolve("v" + i + ".mkv"),
          TestMedia.Spec.lossless(20, 25, 8000, new long[] {i}));
    }
    String ds = dir.resolve("ds").toString();
    String[] small = {"--size", "32", "--sample-rate", "8000", "--window", "512"};
    Run bad =
        CliTest.run(
            concat(new String[] {"ingest", dir + "/videos", "--out", ds, "--shard", "2/2"}, small));
    assertEquals(Main.Exit.INPUT, bad.code(), bad.err());
    assertTrue(bad.err().contains("--shard 2/2 is not a share of a job"), bad.err());

    Run task =
        CliTest.run(
            concat(new String[] {"ingest", dir + "/videos", "--out", ds, "--shard", "0/2"}, small));
    assertEquals(0, task.code(), task.err());
    assertTrue(task.out().contains("task 0/2: 2 videos added"), task.out());
    assertTrue(task.out().contains("tasks [1] of 2 have not finished yet"), task.out());

    Run check = CliTest.run("dataset", "check", ds);
    assertEquals(Main.Exit.INPUT, check.code());
    assertTrue(check.out().contains("mvgen dataset merge " + ds), check.out());

    // A writer holds the folder: merge is refused with a message that names it.
    try (FolderLock l =
        FolderLock.acquire(Path.of(ds), "mvgen ingest other --out ds", Duration.ZERO)) {
      Run refused = CliTest.run("dataset", "merge", ds);
      assertEquals(Main.Exit.INPUT, refused.code());
      assertTrue(
          refused.err().contains(ds + " is in use by mvgen (pid " + ProcessHandle.current().pid()),
          refused.err());
      assertTrue(refused.err().contains("'mvgen ingest other --out ds'"), refused.err());
    }
    Run merge = CliTest.run("dataset", "merge", ds);
    assertEquals(0, merge.code(), merge.err());
    assertTrue(merge.out().contains("manifest written with 2 sources"), merge.out());
    Run ok = CliTest.run("dataset", "check", ds);
    assertEquals(0, ok.code(), ok.out());
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
