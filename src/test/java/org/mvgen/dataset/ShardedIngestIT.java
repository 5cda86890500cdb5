package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.media.TestMedia;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Progress;

/**
 * The tasks of a sharded ingest as real processes started at the same moment into one folder: a
 * plain writer is refused while they run (naming one of them), exactly one task writes the
 * manifest, and the dataset checks.
 */
class ShardedIngestIT {
  @Test
  void threeTaskProcessesFillOneDatasetAndKeepOtherWritersOut(@TempDir Path dir) throws Exception {
    Path videos = Files.createDirectories(dir.resolve("videos"));
    for (int i = 0; i < 6; i++) {
      TestMedia.write(
          videos.resolve("v" + i + ".mkv"),
          TestMedia.Spec.lossless(150, 25, 8000, new long[] {10L * i}));
    }
    Path out = dir.resolve("ds");
    List<Process> tasks = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path log = dir.resolve("task" + i + ".log");
      logs.add(log);
      tasks.add(
          new ProcessBuilder(
                  java(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "org.mvgen.cli.Main",
                  "ingest",
                  videos.toString(),
                  "--out",
                  out.toString(),
                  "--shard",
                  i + "/3",
                  "--size",
                  "32",
                  "--sample-rate",
                  "8000",
                  "--window",
                  "512")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start());
    }
    List<Long> pids = tasks.stream().map(Process::pid).toList();
    // While they run, a plain writer (here: this process) is refused, naming a task.
    String refusal = null;
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (refusal == null && tasks.stream().anyMatch(Process::isAlive)) {
      if (System.nanoTime() > deadline) {
        break;
      }
      if (Files.isDirectory(out) && !FolderLock.holders(out).isEmpty()) {
        try (FolderLock l = FolderLock.acquire(out, "test", Duration.ZERO)) {
          // free at this instant (a task between two locks): look again
        } catch (FolderLock.InUseException e) {
          refusal = e.getMessage();
        }
      }
      Thread.sleep(20);
    }
    for (Process p : tasks) {
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "a task did not finish");
    }
    StringBuilder all = new StringBuilder();
    for (Path l : logs) {
      all.append(Files.readString(l));
    }
    for (Process p : tasks) {
      assertEquals(0, p.exitValue(), all.toString());
    }
    assertTrue(refusal != null, "never saw the tasks at work; make the videos longer\n" + all);
    String r = refusal;
    assertTrue(pids.stream().anyMatch(pid -> r.contains("pid " + pid + " on ")), r);
    assertTrue(r.contains("mvgen ingest " + videos), r);
    assertEquals(1, count(all.toString(), "this task was the last"), all.toString());
    DatasetCheck.Report rep = DatasetCheck.run(out, false, Progress.SILENT);
    assertTrue(rep.ok(), rep.problems() + "\n" + all);
    assertEquals(6, rep.sources());
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
