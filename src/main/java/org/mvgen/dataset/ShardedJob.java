package org.mvgen.dataset;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Hashing;
import org.mvgen.util.Json;

/**
 * How the tasks of a sharded job ({@code mvgen ingest --shard I/N}, {@code mvgen encode --shard
 * I/N}) share one dataset folder. See {@code docs/dataset-format.md}, "Several processes".
 *
 * <ul>
 *   <li>Each task holds the folder's lock shared, as member {@code KIND-I-of-N} (a second process
 *       for the same task is refused), and each source while it writes it as member {@code
 *       source-ID} (so two tasks never write the same files, even for a video given twice).
 *   <li>A task that has done its share writes {@code tasks/KIND-I-of-N.json}, then lets go of the
 *       folder, then tries to take it exclusively: whoever gets it while every task's marker is
 *       there is the last, completes the manifest and removes the markers. A marker is written
 *       before its task lets go, so the last one always sees all of them.
 *   <li>{@code mvgen dataset merge} completes the manifest by hand from whatever is finished.
 * </ul>
 */
public final class ShardedJob {
  /** The folder of task markers inside a dataset. */
  public static final String DIR = "tasks";

  private ShardedJob() {}

  /**
   * What a task left when it finished its share.
   *
   * @param kind {@code ingest} or {@code encode-ENCODER_ID}
   * @param index the task
   * @param count the tasks of the job
   * @param finished when
   * @param by pid and host of the task's process
   * @param split the ingest's split settings (null for encode)
   * @param encoder the encoder's record (null for ingest)
   */
  public record TaskDone(
      String kind,
      int index,
      int count,
      String finished,
      String by,
      SplitConfig split,
      EncoderRecord encoder) {}

  /** How a finished task's attempt to complete the manifest went. */
  public record Completion(boolean completedHere, String note) {}

  /** Something done with the folder locked exclusively. */
  public interface Completer {
    void complete() throws IOException, DatasetFormatException;
  }

  static Path marker(Path dataset, String kind, Shard s) {
    return dataset.resolve(DIR).resolve(s.name(kind) + ".json");
  }

  /** Takes {@code dataset}'s lock shared as this task. */
  public static FolderLock lockTask(Path dataset, String kind, Shard s)
      throws FolderLock.InUseException, IOException {
    return FolderLock.acquireShared(
        dataset, member(s.name(kind)), FolderLock.currentCommand(), FolderLock.DEFAULT_PATIENCE);
  }

  /**
   * Takes a source (or any other item) of a task's share, or returns null if another process is
   * writing it now. Waits a second first: a process that only looks at the locks (a refused writer
   * naming the holders, {@code dataset check}) holds an item's lock for a moment, and must not make
   * a task skip its source.
   */
  public static FolderLock lockItem(Path dataset, String item) throws IOException {
    try {
      return FolderLock.acquireShared(
          dataset, member(item), FolderLock.currentCommand(), Duration.ofSeconds(1));
    } catch (FolderLock.InUseException e) {
      return null;
    }
  }

  /** Records that task {@code done} has finished its share (call while holding its lock). */
  public static void markDone(Path dataset, TaskDone done) throws IOException {
    Files.createDirectories(dataset.resolve(DIR));
    Json.write(marker(dataset, done.kind(), new Shard(done.index(), done.count())), done);
  }

  /** A marker for this process. */
  public static TaskDone done(String kind, Shard s, SplitConfig split, EncoderRecord encoder) {
    String by = "pid " + ProcessHandle.current().pid() + " on " + hostName();
    return new TaskDone(kind, s.index(), s.count(), Instant.now().toString(), by, split, encoder);
  }

  /**
   * After {@code taskLock} (this task's shared lock) is released: completes the job with {@code
   * completer} if this task is the last to finish; otherwise says who is left.
   */
  public static Completion finish(Path dataset, String kind, Shard s, Completer completer)
      throws IOException, DatasetFormatException {
    FolderLock lock;
    try {
      lock = FolderLock.acquire(dataset, FolderLock.currentCommand(), FolderLock.DEFAULT_PATIENCE);
    } catch (FolderLock.InUseException e) {
      return new Completion(
          false,
          "other processes still work on "
              + dataset
              + "; the last task to finish completes the manifest (or run 'mvgen dataset merge "
              + dataset
              + "' when they are done).");
    }
    try (lock) {
      if (!Files.exists(marker(dataset, kind, s))) {
        return new Completion(false, "another task has completed the job.");
      }
      List<Integer> missing = new ArrayList<>();
      for (int i = 0; i < s.count(); i++) {
        if (!Files.exists(marker(dataset, kind, new Shard(i, s.count())))) {
          missing.add(i);
        }
      }
      if (!missing.isEmpty()) {
        return new Completion(
            false,
            "tasks "
                + missing
                + " of "
                + s.count()
                + " have not finished yet; the last one to finish completes the manifest (or run"
                + " 'mvgen dataset merge "
                + dataset
                + "' to complete it with what is there).");
      }
      completer.complete();
      clear(dataset, kind, s.count());
      return new Completion(true, "this task was the last: the manifest is complete.");
    }
  }

  /** Removes the markers of a job of {@code count} tasks (with the folder locked exclusively). */
  static void clear(Path dataset, String kind, int count) throws IOException {
    for (int i = 0; i < count; i++) {
      Files.deleteIfExists(marker(dataset, kind, new Shard(i, count)));
    }
    deleteDirIfEmpty(dataset.resolve(DIR));
  }

  /**
   * Removes the markers of every job of {@code kind}: a plain run (the folder locked exclusively)
   * has just completed the same work, so they are superseded.
   */
  public static void clearKind(Path dataset, String kind) throws IOException {
    java.util.regex.Pattern p =
        java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(kind) + "-\\d+-of-\\d+\\.json");
    for (Path m : markers(dataset)) {
      if (p.matcher(m.getFileName().toString()).matches()) {
        Files.delete(m);
      }
    }
    deleteDirIfEmpty(dataset.resolve(DIR));
  }

  /** Every task marker in {@code dataset}, by file name. */
  public static List<Path> markers(Path dataset) throws IOException {
    Path d = dataset.resolve(DIR);
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(d)) {
      return out;
    }
    TreeSet<Path> sorted = new TreeSet<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(d, "*.json")) {
      s.forEach(sorted::add);
    }
    out.addAll(sorted);
    return out;
  }

  static void deleteDirIfEmpty(Path d) throws IOException {
    if (Files.isDirectory(d)) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
        if (s.iterator().hasNext()) {
          return;
        }
      }
      Files.deleteIfExists(d);
    }
  }

  /** A lock member name for {@code raw}: its safe characters, hashed when too long. */
  static String member(String raw) {
    String safe = raw.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.length() <= 100) {
      return safe;
    }
    byte[] h = Hashing.sha256().digest(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return safe.substring(0, 60) + "-" + java.util.HexFormat.of().formatHex(h, 0, 8);
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return System.getenv().getOrDefault("HOSTNAME", "localhost");
    }
  }
}
