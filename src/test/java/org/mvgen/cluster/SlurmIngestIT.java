package org.mvgen.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.cli.Main;
import org.mvgen.dataset.Dataset;
import org.mvgen.media.TestMedia;

/**
 * Ingest and encode as Slurm array jobs on a real (one-node) cluster: the tasks of {@code sbatch
 * --array} write one dataset at the same time, and {@code mvgen dataset check} passes on it.
 */
class SlurmIngestIT {
  @TempDir Path dir;

  @BeforeEach
  void needsCluster() {
    Slurm.assumeCluster();
  }

  @Test
  void anArrayJobIngestsAndEncodesIntoOneDatasetThatChecks() throws Exception {
    Path videos = Files.createDirectories(dir.resolve("videos"));
    for (int i = 0; i < 5; i++) {
      TestMedia.write(
          videos.resolve("clip" + i + ".mkv"),
          TestMedia.Spec.lossless(25 + 5 * i, 25, 8000, new long[] {100L * i}));
    }
    Path ds = dir.resolve("ds");
    String[] settings = {"--size", "32", "--sample-rate", "8000", "--window", "512"};
    List<String> ingest =
        new java.util.ArrayList<>(
            Slurm.mvgen("ingest", videos.toString(), "--out", ds.toString(), "--shard", "slurm"));
    ingest.addAll(List.of(settings));
    // --array=1-4: task ids from 1, so the share must count from SLURM_ARRAY_TASK_MIN.
    Slurm.Result r =
        Slurm.sbatchWait(
            dir,
            List.of("--array=1-4"),
            Slurm.script(dir, "ingest", ingest),
            Duration.ofMinutes(10));
    String logs = Slurm.taskOutputs(dir, "ingest");
    assertEquals(0, r.exitCode(), r.output() + logs);
    assertEquals(1, count(logs, "this task was the last"), logs);
    assertEquals(5, count(logs, " 1 videos added") * 1 + count(logs, " 2 videos added") * 2, logs);

    Slurm.Result enc =
        Slurm.sbatchWait(
            dir,
            List.of("--array=0-1"),
            Slurm.script(
                dir,
                "encode",
                Slurm.mvgen("encode", ds.toString(), "--encoder", "mel", "--shard", "slurm")),
            Duration.ofMinutes(10));
    String encLogs = Slurm.taskOutputs(dir, "encode");
    assertEquals(0, enc.exitCode(), enc.output() + encLogs);

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine(new PrintWriter(out), new PrintWriter(err))
            .execute("dataset", "check", ds.toString());
    assertEquals(0, code, out + "\n" + err);
    assertTrue(out.toString().contains("is complete and intact: 5 sources"), out.toString());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(1, d.manifest().encoders().size(), encLogs);
    }
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
