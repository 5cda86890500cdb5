package org.mvgen.dataset;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mvgen.MvgenException;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Json;

/**
 * Completes a dataset's manifest from whatever is finished in its folder: {@code mvgen dataset
 * merge}. For a sharded job whose last task did not write the manifest (a task failed, or the job
 * was stopped), or to finish with only some tasks done. Takes the folder's lock exclusively, so it
 * is refused while any task still runs, naming them.
 *
 * <pre>
 * DatasetMerge.Result r = DatasetMerge.run(Path.of("data"), split);
 * </pre>
 */
public final class DatasetMerge {
  private DatasetMerge() {}

  /**
   * What the merge did.
   *
   * @param manifest the manifest written
   * @param removed leftovers of unfinished sources that were deleted (half-written files, shards of
   *     sources without a marker)
   * @param notes what else to know (encoders recorded or not)
   */
  public record Result(Manifest manifest, List<String> removed, List<String> notes) {}

  /**
   * Writes the manifest of {@code dir} listing every finished source, and the encoders whose
   * latents cover all of them.
   *
   * @param split the validation split to use when neither a task of a sharded ingest nor an earlier
   *     manifest says which
   */
  public static Result run(Path dir, SplitConfig split) throws MvgenException {
    if (!Files.isRegularFile(dir.resolve(DatasetWriter.PARAMS_FILE))) {
      throw new DatasetFormatException(
          dir + " is not an mvgen dataset (no " + DatasetWriter.PARAMS_FILE + ").");
    }
    try (FolderLock lock =
        FolderLock.acquire(dir, FolderLock.currentCommand(), FolderLock.DEFAULT_PATIENCE)) {
      DatasetWriter writer = DatasetWriter.open(dir); // deletes .tmp leftovers: we are alone
      List<String> removed = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("shards"), "*.tar")) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          int dash = n.lastIndexOf('-');
          if (dash > 0 && !writer.hasSource(n.substring(0, dash))) {
            Files.delete(p);
            removed.add(p.toString());
          }
        }
      }
      List<ShardedJob.TaskDone> tasks = new ArrayList<>();
      for (Path m : ShardedJob.markers(dir)) {
        tasks.add(Json.read(m, ShardedJob.TaskDone.class));
      }
      SplitConfig chosen = split;
      Path mf = dir.resolve(Manifest.FILE);
      if (Files.isRegularFile(mf)) {
        chosen = Json.read(mf, Manifest.class).split();
      }
      for (ShardedJob.TaskDone t : tasks) {
        if (t.split() != null) {
          chosen = t.split();
        }
      }
      if (writer.isEmpty()) {
        throw new DatasetFormatException(
            dir
                + " has no finished source yet, so there is nothing to merge. Run 'mvgen ingest'"
                + " (or the tasks of the sharded job) first.");
      }
      Manifest m = writer.finish(chosen);
      List<String> notes = new ArrayList<>();
      for (ShardedJob.TaskDone t : tasks) {
        EncoderRecord r = t.encoder();
        if (r == null || m.encoders().stream().anyMatch(e -> e.id().equals(r.id()))) {
          continue;
        }
        List<String> missing = new ArrayList<>();
        for (Manifest.SourceEntry s : m.sources()) {
          Path f = dir.resolve("latents").resolve(r.id()).resolve(s.id() + ".npy");
          try {
            Npy.Array a = Npy.read(f);
            if (a.rows() != s.pairs() || a.cols() != r.dim()) {
              missing.add(s.id());
            }
          } catch (DatasetFormatException e) {
            missing.add(s.id());
          }
        }
        if (missing.isEmpty()) {
          m = m.withEncoder(r);
          notes.add("recorded the latents of encoder " + r.id());
        } else {
          notes.add(
              "the latents of encoder "
                  + r.id()
                  + " lack sources "
                  + missing
                  + ": run 'mvgen encode "
                  + dir
                  + " --encoder "
                  + r.spec()
                  + "' to complete them");
        }
      }
      Json.write(mf, m);
      for (Path p : ShardedJob.markers(dir)) {
        Files.delete(p);
      }
      ShardedJob.deleteDirIfEmpty(dir.resolve(ShardedJob.DIR));
      return new Result(m, removed, notes);
    } catch (IOException e) {
      throw new DatasetFormatException("Merging " + dir + " failed: " + e.getMessage(), e);
    }
  }
}
