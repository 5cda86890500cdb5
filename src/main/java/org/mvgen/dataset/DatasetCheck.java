package org.mvgen.dataset;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mvgen.MvgenIOException;
import org.mvgen.audio.AudioTrack;
import org.mvgen.util.AtomicFiles;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Hashing;
import org.mvgen.util.Progress;

/**
 * Verifies a dataset folder: that it is complete (a manifest listing every finished source and
 * nothing half-written beside it) and intact (every shard's checksum and tar structure, every index
 * entry, audio length and latent shape). With {@code deep}, every image is also decoded.
 */
public final class DatasetCheck {
  private DatasetCheck() {}

  /**
   * The verdict.
   *
   * @param complete a manifest exists and lists every finished source, with nothing left over
   * @param problems what is wrong, one line each, naming the file
   * @param sources sources checked
   * @param pairs pairs checked
   */
  public record Report(boolean complete, List<String> problems, int sources, long pairs) {
    public boolean ok() {
      return complete && problems.isEmpty();
    }
  }

  /**
   * Checks {@code dir}. A dataset of a newer format version is not checked: it fails with a {@link
   * ManifestFile.NewerFormatException} naming the version.
   */
  public static Report run(Path dir, boolean deep, Progress.Factory progress)
      throws IOException, DatasetFormatException {
    List<String> problems = new ArrayList<>();
    boolean complete = true;
    if (!Files.isDirectory(dir)) {
      return new Report(false, List.of(dir + " is not a folder"), 0, 0);
    }
    if (!Files.isRegularFile(dir.resolve(DatasetWriter.PARAMS_FILE))) {
      return new Report(false, List.of(dir + " is not an mvgen dataset (no params.json)"), 0, 0);
    }
    // A writer at work, or a sharded job not complete yet: both explain what follows.
    List<FolderLock.Holder> writers = FolderLock.holders(dir);
    if (!writers.isEmpty()) {
      complete = false;
      problems.add(
          dir
              + " is being written now by "
              + writers.stream().map(FolderLock.Holder::describe).toList()
              + "; check again when it has finished");
    }
    List<Path> tasks = ShardedJob.markers(dir);
    if (!tasks.isEmpty()) {
      complete = false;
      problems.add(
          "tasks of a sharded job have finished ("
              + tasks.stream().map(p -> p.getFileName().toString()).toList()
              + ") but not all of them: run the others with the same command (the last completes"
              + " the manifest), or 'mvgen dataset merge "
              + dir
              + "' to complete it with what is there");
    }
    // Leftovers of an interrupted run.
    for (String sub : List.of(".", "sources", "audio", "shards", "index")) {
      Path d = dir.resolve(sub);
      if (!Files.isDirectory(d)) {
        continue;
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
        for (Path p : ds) {
          if (AtomicFiles.isTemporary(p)) {
            complete = false;
            problems.add(p + " is half-written (an interrupted run); run ingest again to finish");
          }
        }
      }
    }
    Path mf = dir.resolve(Manifest.FILE);
    if (!Files.isRegularFile(mf)) {
      problems.add(
          "no " + Manifest.FILE + ": ingest has not finished; run it again with the same inputs");
      return new Report(false, problems, 0, 0);
    }
    Manifest m;
    try {
      m = ManifestFile.read(dir);
    } catch (ManifestFile.NewerFormatException e) {
      throw e;
    } catch (DatasetFormatException e) {
      problems.add(e.getMessage());
      return new Report(false, problems, 0, 0);
    }
    Set<String> listed = new HashSet<>();
    m.sources().forEach(s -> listed.add(s.id()));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("sources"), "*.json")) {
      for (Path p : ds) {
        String id = p.getFileName().toString().replace(".json", "");
        if (!listed.contains(id)) {
          complete = false;
          problems.add(
              p
                  + " is a finished source the manifest does not list yet (ingest was"
                  + " interrupted before its manifest); run ingest again");
        }
      }
    }
    Set<String> shardFiles = new HashSet<>();
    m.sources()
        .forEach(
            s ->
                s.shards()
                    .forEach(sh -> shardFiles.add(dir.resolve(sh.file()).normalize().toString())));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("shards"), "*.tar")) {
      for (Path p : ds) {
        if (!shardFiles.contains(p.normalize().toString())) {
          complete = false;
          problems.add(p + " belongs to no finished source (an interrupted ingest)");
        }
      }
    }
    long totalPairs = m.sources().stream().mapToLong(Manifest.SourceEntry::pairs).sum();
    try (Progress bar = progress.start("check", totalPairs, "pairs")) {
      for (Manifest.SourceEntry s : m.sources()) {
        checkSource(dir, m, s, deep, problems);
        bar.step(s.pairs());
      }
    }
    return new Report(complete, problems, m.sources().size(), totalPairs);
  }

  /** Where the first NaN or infinite sample of a WAV is, in words; null when there is none. */
  static String firstNonFinite(AudioTrack a) throws IOException {
    float[] buf = new float[1 << 16];
    for (long start = 0; start < a.length(); start += buf.length) {
      int n = (int) Math.min(buf.length, a.length() - start);
      a.read(start, buf, 0, n);
      int i = NonFinite.first(buf, 0, n);
      if (i >= 0) {
        return "sample "
            + (start + i)
            + " ("
            + NonFinite.seconds(start + i, a.sampleRate())
            + ") is "
            + buf[i]
            + "; stored audio must be finite";
      }
    }
    return null;
  }

  private static void checkSource(
      Path dir, Manifest m, Manifest.SourceEntry s, boolean deep, List<String> problems)
      throws IOException {
    if (!Files.isRegularFile(dir.resolve("sources").resolve(s.id() + ".json"))) {
      problems.add("source " + s.id() + " (" + s.name() + ") has no marker file");
    }
    Path wav = dir.resolve(s.audioFile());
    try (AudioTrack a = AudioTrack.open(wav)) {
      if (a.length() != s.audioSamples()) {
        problems.add(
            wav + " has " + a.length() + " samples, the manifest says " + s.audioSamples());
      }
      if (a.sampleRate() != m.params().sampleRate()) {
        problems.add(wav + " is at " + a.sampleRate() + " Hz, not " + m.params().sampleRate());
      }
      if (deep) {
        String bad = firstNonFinite(a);
        if (bad != null) {
          problems.add(
              wav
                  + ": "
                  + bad
                  + " (source "
                  + s.name()
                  + "); the source video's audio is damaged there: repair or re-export it,"
                  + " delete "
                  + dir.resolve("sources").resolve(s.id() + ".json")
                  + " and ingest it again");
        }
      }
    } catch (IOException e) {
      problems.add(wav + ": " + e.getMessage());
    }
    List<List<Tar.Member>> members = new ArrayList<>();
    for (Manifest.ShardEntry sh : s.shards()) {
      Path f = dir.resolve(sh.file());
      if (!Files.isRegularFile(f)) {
        problems.add(f + " is missing");
        members.add(List.of());
        continue;
      }
      if (Files.size(f) != sh.bytes()) {
        problems.add(f + " has " + Files.size(f) + " bytes, the manifest says " + sh.bytes());
      } else if (!Hashing.sha256Hex(f).equals(sh.sha256())) {
        problems.add(f + " is damaged (SHA-256 differs from the manifest)");
      }
      try {
        List<Tar.Member> list = Tar.list(f);
        if (list.size() != 2 * sh.pairs()) {
          problems.add(f + " holds " + list.size() + " files, expected " + 2 * sh.pairs());
        }
        members.add(list);
      } catch (DatasetFormatException e) {
        problems.add(e.getMessage());
        members.add(List.of());
      }
    }
    Path idx = dir.resolve(s.indexFile());
    Npy.Array index;
    try {
      index = Npy.read(idx);
    } catch (DatasetFormatException e) {
      problems.add(e.getMessage());
      return;
    }
    if (index.rows() != s.pairs() || index.cols() != 3) {
      problems.add(
          idx
              + " has shape ("
              + index.rows()
              + ", "
              + index.cols()
              + "), expected ("
              + s.pairs()
              + ", 3)");
      return;
    }
    String ext = "." + m.imageFormat();
    for (long k = 0; k < s.pairs(); k++) {
      int shard = (int) index.getLong(k * 3);
      long off = index.getLong(k * 3 + 1);
      long len = index.getLong(k * 3 + 2);
      if (shard < 0 || shard >= members.size()) {
        problems.add(idx + " row " + k + " names shard " + shard + " of " + members.size());
        return;
      }
      String name = String.format("%s_%08d%s", s.id(), k, ext);
      boolean found = false;
      for (Tar.Member mem : members.get(shard)) {
        if (mem.dataOffset() == off) {
          found = mem.size() == len && mem.name().equals(name);
          break;
        }
      }
      if (!found && !members.get(shard).isEmpty()) {
        problems.add(idx + " row " + k + " does not point at " + name + " in its shard");
        return;
      }
    }
    if (deep) {
      try (Dataset ds = Dataset.open(dir)) {
        for (Dataset.Source src : ds.sources()) {
          if (!src.id().equals(s.id())) {
            continue;
          }
          for (long i = src.firstPair(); i < src.firstPair() + src.pairs(); i++) {
            try {
              ds.rgb(i);
            } catch (MvgenIOException e) {
              problems.add(e.getMessage());
            } catch (IOException e) {
              problems.add(
                  "pair "
                      + (i - src.firstPair())
                      + " of "
                      + s.name()
                      + ": image does"
                      + " not decode ("
                      + e.getMessage()
                      + ")");
            }
          }
        }
      } catch (DatasetFormatException e) {
        problems.add(e.getMessage());
      }
    }
    for (EncoderRecord e : m.encoders()) {
      Path lf = dir.resolve("latents").resolve(e.id()).resolve(s.id() + ".npy");
      try {
        Npy.Array a = Npy.read(lf);
        if (a.rows() != s.pairs() || a.cols() != e.dim()) {
          problems.add(
              lf
                  + " has shape ("
                  + a.rows()
                  + ", "
                  + a.cols()
                  + "), expected ("
                  + s.pairs()
                  + ", "
                  + e.dim()
                  + ")");
        }
      } catch (DatasetFormatException ex) {
        problems.add(ex.getMessage());
      }
    }
  }
}
