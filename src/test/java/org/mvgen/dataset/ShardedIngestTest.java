package org.mvgen.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvgen.MvgenException;
import org.mvgen.config.Config;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.media.TestMedia;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Progress;

/**
 * Tasks of sharded ingests and encodes running at the same time on one dataset folder (as threads
 * of this JVM; {@code ShardedIngestIT} runs them as processes): the result equals one unsharded
 * run, whichever task finishes last; unsharded writers are refused while the tasks run.
 */
class ShardedIngestTest {
  static final SplitConfig SPLIT = new SplitConfig(SplitConfig.Mode.BLOCKS, 0.2, 1.0, 1);

  @TempDir static Path media;
  static List<String> videos = new ArrayList<>();

  @BeforeAll
  static void makeMedia() throws Exception {
    for (int i = 0; i < 5; i++) {
      Path v = media.resolve("v" + i + ".mkv");
      TestMedia.write(v, TestMedia.Spec.lossless(20 + 5 * i, 25, 8000, new long[] {100L * i}));
      videos.add(v.toString());
    }
    // The same video under another name: two tasks get the same source and must not both write it.
    Path copy = media.resolve("copy of v0.mkv");
    Files.copy(Path.of(videos.get(0)), copy);
    videos.add(copy.toString());
  }

  static IngestConfig config(Path out) {
    return new IngestConfig(videos, out, new DatasetParams(8000, 25, 32, 512), 0, 10, SPLIT, 1);
  }

  @Test
  void shareTakesEveryItemOnceInSortedOrder() {
    List<String> items = List.of("c", "a", "b", "d", "a");
    assertEquals(List.of("a", "d"), Ingest.share(items, new Shard(0, 3)));
    assertEquals(List.of("b"), Ingest.share(items, new Shard(1, 3)));
    assertEquals(List.of("c"), Ingest.share(items, new Shard(2, 3)));
    assertEquals(List.of(), Ingest.share(List.of("a"), new Shard(1, 2)));
  }

  @Test
  void shardsParseFromTheCommandLineAndFromSlurm() throws Exception {
    assertEquals(new Shard(2, 4), Shard.parse("2/4", Map.of()));
    assertThrows(MvgenException.class, () -> Shard.parse("4/4", Map.of()));
    assertThrows(MvgenException.class, () -> Shard.parse("x", Map.of()));
    Map<String, String> env =
        Map.of(
            "SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "3");
    assertEquals(new Shard(2, 4), Shard.parse("slurm", env), "--array=3-6, task 5");
    Map<String, String> stepped =
        Map.of(
            "SLURM_ARRAY_TASK_ID", "4",
            "SLURM_ARRAY_TASK_COUNT", "3",
            "SLURM_ARRAY_TASK_MIN", "0",
            "SLURM_ARRAY_TASK_STEP", "2");
    assertEquals(new Shard(2, 3), Shard.parse("slurm", stepped), "--array=0-4:2, task 4");
    MvgenException e = assertThrows(MvgenException.class, () -> Shard.parse("slurm", Map.of()));
    assertTrue(e.getMessage().contains("SLURM_ARRAY_TASK_ID"), e.getMessage());
  }

  @Test
  void concurrentTasksMakeTheSameDatasetAsOneRun(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    Ingest.run(config(whole), Progress.SILENT);
    Manifest expected = Json(whole);

    Path sharded = tmp.resolve("sharded");
    int n = 3;
    List<Ingest.Result> results =
        runAll(n, i -> Ingest.run(config(sharded), new Shard(i, n), Progress.SILENT));
    long completed = results.stream().filter(r -> r.manifest() != null).count();
    assertEquals(1, completed, "exactly one task completes the manifest: " + notes(results));
    int added = results.stream().mapToInt(r -> r.added().size()).sum();
    assertEquals(5, added, "five distinct videos, each written once: " + notes(results));

    DatasetCheck.Report rep = DatasetCheck.run(sharded, false, Progress.SILENT);
    assertTrue(rep.ok(), rep.problems().toString());
    Manifest got = Json(sharded);
    assertEquals(ids(expected), ids(got));
    for (int s = 0; s < expected.sources().size(); s++) {
      assertEquals(expected.sources().get(s).shards(), got.sources().get(s).shards(), "same bytes");
      assertEquals(
          expected.sources().get(s).validation().size(), got.sources().get(s).validation().size());
    }
    assertFalse(Files.exists(sharded.resolve(ShardedJob.DIR)), "task markers removed");
    assertFalse(Files.exists(sharded.resolve(FolderLock.MEMBERS_DIR)), "members' locks removed");

    // Encode in shards, at the same time: the same latents and record as one encode.
    Config c = Config.defaults();
    try (Dataset ds = Dataset.open(whole)) {
      DatasetEncoding.run(ds, "mel", c, Progress.SILENT);
    }
    List<DatasetEncoding.Result> enc =
        runAll(
            2,
            i -> {
              try (Dataset ds = Dataset.open(sharded)) {
                return DatasetEncoding.run(ds, "mel", c, new Shard(i, 2), Progress.SILENT);
              }
            });
    assertEquals(
        1,
        enc.stream().filter(r -> r.note().contains("was the last")).count(),
        enc.stream().map(DatasetEncoding.Result::note).toList().toString());
    try (Dataset a = Dataset.open(whole);
        Dataset b = Dataset.open(sharded)) {
      assertEquals(a.manifest().encoders(), b.manifest().encoders());
      String id = a.manifest().encoders().get(0).id();
      for (int s = 0; s < a.sources().size(); s++) {
        assertEquals(
            -1L,
            Files.mismatch(
                a.latentFile(id, a.sources().get(s)), b.latentFile(id, b.sources().get(s))));
      }
    }
    assertTrue(DatasetCheck.run(sharded, false, Progress.SILENT).ok());
  }

  @Test
  void unshardedWritersAreRefusedWhileTasksRunAndMergeCompletesAnUnfinishedJob(@TempDir Path tmp)
      throws Exception {
    Path out = tmp.resolve("ds");
    // Two of three tasks finish; the third never runs.
    Ingest.Result r0 = Ingest.run(config(out), new Shard(0, 3), Progress.SILENT);
    Ingest.Result r1 = Ingest.run(config(out), new Shard(1, 3), Progress.SILENT);
    assertNull(r0.manifest());
    assertNull(r1.manifest());
    assertTrue(r1.note().contains("tasks [2] of 3 have not finished"), r1.note());
    DatasetCheck.Report rep = DatasetCheck.run(out, false, Progress.SILENT);
    assertFalse(rep.ok());
    assertTrue(
        rep.problems().toString().contains("mvgen dataset merge"), rep.problems().toString());

    // While a task holds the folder, an unsharded ingest and a merge are refused, naming it.
    try (FolderLock task = ShardedJob.lockTask(out, "ingest", new Shard(2, 3))) {
      MvgenException e =
          assertThrows(MvgenException.class, () -> Ingest.run(config(out), Progress.SILENT));
      assertTrue(
          e.getMessage().contains("is in use by mvgen (pid " + ProcessHandle.current().pid()),
          e.getMessage());
      assertThrows(FolderLock.InUseException.class, () -> DatasetMerge.run(out, SPLIT));
      assertThrows(
          FolderLock.InUseException.class,
          () -> Ingest.run(config(out), new Shard(2, 3), Progress.SILENT),
          "a second process for the same task");
    }
    // A killed task's leftovers: a half-written shard of a source with no marker.
    Files.writeString(out.resolve("shards").resolve("0123456789abcdef-0000.tar"), "partial");
    DatasetMerge.Result m = DatasetMerge.run(out, SPLIT);
    assertEquals(1, m.removed().size(), m.removed().toString());
    assertEquals(
        r0.added().size() + r1.added().size(), m.manifest().sources().size(), m.toString());
    DatasetCheck.Report after = DatasetCheck.run(out, false, Progress.SILENT);
    assertTrue(after.ok(), after.problems().toString());
    // Running the missing task later adds its share; it is then the last and writes the manifest.
    Ingest.Result r2 = Ingest.run(config(out), new Shard(2, 3), Progress.SILENT);
    assertTrue(r2.note().contains("tasks [0, 1] of 3 have not finished"), r2.note());
    DatasetMerge.run(out, SPLIT);
    assertEquals(5, Json(out).sources().size());
  }

  @Test
  void aPlainIngestCompletesAHalfDoneJobAndSupersedesItsMarkers(@TempDir Path tmp)
      throws Exception {
    Path out = tmp.resolve("ds");
    Ingest.run(config(out), new Shard(0, 2), Progress.SILENT);
    assertFalse(DatasetCheck.run(out, false, Progress.SILENT).ok());
    Ingest.Result r = Ingest.run(config(out), Progress.SILENT);
    assertEquals(5, r.manifest().sources().size());
    DatasetCheck.Report rep = DatasetCheck.run(out, false, Progress.SILENT);
    assertTrue(rep.ok(), rep.problems().toString());
    assertFalse(Files.exists(out.resolve(ShardedJob.DIR)));
  }

  @Test
  void anEncodeIsRefusedWhileAnIngestHoldsTheDataset(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("ds");
    Ingest.run(config(out), Progress.SILENT);
    try (Dataset ds = Dataset.open(out);
        FolderLock ingest =
            FolderLock.acquire(out, "mvgen ingest x --out ds", java.time.Duration.ZERO)) {
      MvgenException e =
          assertThrows(
              MvgenException.class,
              () -> DatasetEncoding.run(ds, "mel", Config.defaults(), Progress.SILENT));
      assertTrue(e.getMessage().contains("'mvgen ingest x --out ds'"), e.getMessage());
    }
    try (Dataset ds = Dataset.open(out)) {
      assertNotNull(DatasetEncoding.run(ds, "mel", Config.defaults(), Progress.SILENT).record());
    }
  }

  interface Task<T> {
    T run(int i) throws Exception;
  }

  /** Runs tasks 0..n-1 at once, released together, and returns their results in task order. */
  static <T> List<T> runAll(int n, Task<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    try {
      List<Future<T>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        Callable<T> c =
            () -> {
              go.await();
              return task.run(k);
            };
        fs.add(pool.submit(c));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : fs) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static Manifest Json(Path dir) throws Exception {
    return org.mvgen.util.Json.read(dir.resolve(Manifest.FILE), Manifest.class);
  }

  static List<String> ids(Manifest m) {
    return m.sources().stream().map(Manifest.SourceEntry::id).toList();
  }

  static List<String> notes(List<Ingest.Result> rs) {
    return rs.stream().map(r -> r.note() + " added " + r.added()).toList();
  }
}
