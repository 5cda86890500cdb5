package org.mvgen.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.mvgen.MvgenException;
import org.mvgen.media.MediaDecodeException;
import org.mvgen.media.MediaInfo;
import org.mvgen.media.MediaReader;
import org.mvgen.util.FolderLock;
import org.mvgen.util.Hashing;
import org.mvgen.util.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns music videos into a dataset of aligned pairs: decodes each source once, stores its audio as
 * a float WAV and its frames (at the dataset's fps, centre-cropped and resized) in tar shards.
 *
 * <pre>
 * Ingest.Result r = Ingest.run(config, ProgressBars.console(System.err));
 * </pre>
 *
 * <p>Sources are identified by the SHA-256 of their content, so a second run over the same inputs
 * skips what is complete, and an interrupted run is completed by the next. Memory is flat: frames
 * stream from FFmpeg through a bounded queue of JPEG encodings to the shard. Both cores work:
 * FFmpeg decodes with its own threads while a worker compresses frames.
 */
public final class Ingest {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  /** File extensions taken from folders (files named directly are tried whatever their name). */
  static final Set<String> MEDIA_EXTENSIONS =
      Set.of(
          "mp4", "m4v", "mkv", "webm", "mov", "avi", "flv", "ts", "mts", "m2ts", "mpg", "mpeg",
          "ogv", "wmv", "3gp");

  /** Frames being compressed at once; bounds memory (each is one frame). */
  private static final int PIPELINE_DEPTH = 16;

  private Ingest() {}

  /**
   * What happened to each input.
   *
   * @param added sources ingested by this run
   * @param skipped sources that were already complete
   * @param warnings inputs left out, with why (no audio, not media, ...)
   * @param failed inputs that should have been ingested but could not be
   * @param manifest the dataset's manifest after the run (null when no source is usable, so none
   *     was written, or when a task of a sharded job leaves it to the last task)
   * @param note for a task of a sharded job, what became of the manifest (null otherwise)
   */
  public record Result(
      List<String> added,
      List<String> skipped,
      List<String> warnings,
      List<String> failed,
      Manifest manifest,
      String note) {}

  /** Ingests every input into {@code cfg.out()}, with the dataset folder locked exclusively. */
  public static Result run(IngestConfig cfg, Progress.Factory progress) throws MvgenException {
    return run(cfg, null, progress);
  }

  /**
   * Ingests this task's share of the inputs, or all of them when {@code shard} is null.
   *
   * <p>Without a shard the dataset folder is locked exclusively: a second writer (ingest, encode,
   * merge) is refused with a message that names this process, and this run is refused while another
   * holds it. With a shard, the tasks of the job share the folder ({@link ShardedJob}): each takes
   * the inputs at positions {@code index, index + count, ...} of the sorted input list and locks
   * each source while it writes it; the last task to finish writes the manifest.
   */
  public static Result run(IngestConfig cfg, Shard shard, Progress.Factory progress)
      throws MvgenException {
    List<String> items = expandInputs(cfg.inputs());
    boolean onlyOne = items.size() == 1;
    if (shard != null) {
      items = share(items, shard);
    }
    FolderLock lock;
    try {
      lock =
          shard == null
              ? FolderLock.acquire(
                  cfg.out(), FolderLock.currentCommand(), FolderLock.DEFAULT_PATIENCE)
              : ShardedJob.lockTask(cfg.out(), "ingest", shard);
    } catch (java.nio.file.FileSystemException e) {
      // e.g. "Permission denied", "Read-only file system": the reason, the path once.
      throw new DatasetFormatException(
          "Cannot write to dataset "
              + cfg.out()
              + " ("
              + (e.getFile() != null ? e.getFile() + ": " : "")
              + (e.getReason() != null ? e.getReason() : e.getMessage())
              + ")."
              + diskHint(e)
              + " Choose another --out folder on a writable disk.",
          e);
    } catch (IOException e) {
      throw new DatasetFormatException(
          "Cannot lock dataset " + cfg.out() + ": " + e.getMessage() + diskHint(e), e);
    }
    Result r;
    DatasetWriter writer;
    try (lock) {
      List<Path> files = download(items, cfg.out());
      writer =
          DatasetWriter.create(
              cfg.out(),
              cfg.params(),
              new ImageCodec(cfg.params().frameSize(), cfg.jpegQuality()),
              cfg.shardPairs(),
              shard == null);
      r = ingest(cfg, writer, files, onlyOne, shard, progress);
      if (shard != null) {
        ShardedJob.markDone(cfg.out(), ShardedJob.done("ingest", shard, cfg.split(), null));
      }
    } catch (IOException e) {
      throw new DatasetFormatException(
          "Writing into " + cfg.out() + " failed: " + e.getMessage() + diskHint(e), e);
    }
    if (shard == null) {
      return r;
    }
    // This task's share is done and recorded; the last task to finish writes the manifest.
    Manifest[] written = new Manifest[1];
    ShardedJob.Completion c;
    try {
      c =
          ShardedJob.finish(
              cfg.out(),
              "ingest",
              shard,
              () -> {
                written[0] = writer.isEmpty() ? null : writer.finish(cfg.split());
                if (written[0] != null) {
                  Splits.fallback(written[0].sources().size(), cfg.split())
                      .ifPresent(r.warnings()::add);
                }
              });
    } catch (IOException e) {
      throw new DatasetFormatException(
          "Writing the manifest of " + cfg.out() + " failed: " + e.getMessage() + diskHint(e), e);
    }
    return new Result(
        r.added(),
        r.skipped(),
        r.warnings(),
        r.failed(),
        written[0],
        "task " + shard + ": " + c.note());
  }

  /** The items of {@code shard}: every count-th of the sorted, distinct items, from index. */
  static List<String> share(List<String> items, Shard shard) {
    List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(items));
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      if (shard.owns(i)) {
        mine.add(sorted.get(i));
      }
    }
    return mine;
  }

  private static Result ingest(
      IngestConfig cfg,
      DatasetWriter writer,
      List<Path> files,
      boolean onlyOne,
      Shard shard,
      Progress.Factory progress)
      throws MvgenException, IOException {
    ImageCodec codec = writer.codec();
    List<String> added = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    Manifest manifest = null;
    ExecutorService pool =
        Executors.newFixedThreadPool(
            1,
            r -> {
              Thread t = new Thread(r, "mvgen-jpeg");
              t.setDaemon(true);
              return t;
            });
    try {
      Map<Path, String> ids = new LinkedHashMap<>();
      long totalFrames = 0;
      List<Path> todo = new ArrayList<>();
      for (Path f : files) {
        String id;
        try {
          id = contentId(f);
        } catch (IOException e) {
          failed.add(f + ": cannot be read (" + e.getMessage() + ")");
          continue;
        }
        ids.put(f, id);
        if (writer.hasSource(id)) {
          skipped.add(f.toString());
          LOG.info("{} is already in the dataset (source {}); skipping", f, id);
        } else {
          todo.add(f);
        }
      }
      try (Progress bar = progress.start("ingest", 0, "frames")) {
        // Probe durations first, for an honest total and ETA.
        List<MediaInfo> infos = new ArrayList<>();
        List<Path> usable = new ArrayList<>();
        for (Path f : todo) {
          try (MediaReader r = MediaReader.open(f, options(cfg))) {
            MediaInfo info = r.info();
            String why = unusable(info);
            if (why != null) {
              String msg = f + ": " + why;
              if (onlyOne) {
                failed.add(msg);
              } else {
                warnings.add(msg + "; skipped");
              }
              continue;
            }
            usable.add(f);
            infos.add(info);
            totalFrames += cfg.params().alignment().frameCount(info.durationMicros());
          } catch (MediaDecodeException e) {
            (onlyOne ? failed : warnings).add(e.getMessage() + (onlyOne ? "" : " Skipped."));
          }
        }
        bar.total(totalFrames);
        for (int i = 0; i < usable.size(); i++) {
          Path f = usable.get(i);
          String id = ids.get(f);
          // Tasks of a sharded job lock each source: the same video may be given twice.
          FolderLock sourceLock = null;
          if (shard != null) {
            sourceLock = ShardedJob.lockItem(cfg.out(), "source-" + id);
            if (sourceLock == null || writer.hasSource(id)) {
              skipped.add(f.toString());
              LOG.info("{} (source {}) is ingested by another task; leaving it to it", f, id);
              if (sourceLock != null) {
                sourceLock.close();
              }
              continue;
            }
          }
          try {
            String note = ingestOne(writer, f, id, cfg, pool, bar);
            added.add(f.toString());
            if (note != null) {
              warnings.add(note);
            }
          } catch (MediaDecodeException e) {
            failed.add(e.getMessage());
          } catch (IOException e) {
            throw new DatasetFormatException(
                "Writing "
                    + f.getFileName()
                    + " into "
                    + cfg.out()
                    + " failed: "
                    + e.getMessage()
                    + diskHint(e)
                    + " Sources completed before it are kept; run the same command"
                    + " again to finish.",
                e);
          } finally {
            if (sourceLock != null) {
              sourceLock.close();
            }
          }
        }
      }
      if (shard == null) {
        try {
          // With no usable source there is no dataset: a manifest would call an empty folder
          // complete, so none is written and 'dataset check' reports that ingest has not finished.
          manifest = writer.isEmpty() ? null : writer.finish(cfg.split());
          if (manifest != null) {
            Splits.fallback(manifest.sources().size(), cfg.split()).ifPresent(warnings::add);
            ShardedJob.clearKind(cfg.out(), "ingest"); // a sharded job's, now in the manifest
          }
        } catch (IOException e) {
          throw new DatasetFormatException(
              "Writing the manifest of " + cfg.out() + " failed: " + e.getMessage() + diskHint(e),
              e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    warnings.forEach(w -> LOG.warn(w));
    return new Result(added, skipped, warnings, failed, manifest, null);
  }

  private static String diskHint(IOException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("space") ? " The disk is full: free some space." : "";
  }

  private static MediaReader.Options options(IngestConfig cfg) {
    DatasetParams p = cfg.params();
    return new MediaReader.Options(p.sampleRate(), p.fps(), p.frameSize(), cfg.decodeThreads());
  }

  /** Why a file cannot become pairs, or null if it can. */
  static String unusable(MediaInfo info) {
    if (!info.hasVideo()) {
      return "has no video stream (audio-only files cannot be training pairs; render them"
          + " with 'mvgen render' instead)";
    }
    if (!info.hasAudio()) {
      return "has no audio stream, so it gives no (sound, picture) pairs";
    }
    return null;
  }

  /** Decodes one source into the writer; returns a warning for a partly readable file. */
  private static String ingestOne(
      DatasetWriter writer,
      Path file,
      String id,
      IngestConfig cfg,
      ExecutorService pool,
      Progress bar)
      throws MediaDecodeException, IOException {
    try (MediaReader reader = MediaReader.open(file, options(cfg));
        DatasetWriter.SourceWriter source =
            writer.source(
                id,
                file.getFileName().toString(),
                file.toAbsolutePath().toString(),
                reader.info().toMap())) {
      ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
      ImageCodec codec = writer.codec();
      MediaReader.Result r =
          reader.run(
              new MediaReader.Listener() {
                private byte[] lastRgb;
                private Future<byte[]> lastJob;

                @Override
                public void audio(float[] samples, int len) throws IOException {
                  source.audio(samples, 0, len);
                }

                @Override
                public void frame(long k, byte[] rgb) throws IOException {
                  // A held frame repeats: compress it once.
                  Future<byte[]> job =
                      rgb == lastRgb ? lastJob : pool.submit(() -> codec.encode(rgb));
                  lastRgb = rgb;
                  lastJob = job;
                  pending.add(job);
                  while (pending.size() > PIPELINE_DEPTH
                      || (!pending.isEmpty() && pending.peek().isDone())) {
                    drain(pending, source, bar);
                  }
                }
              });
      while (!pending.isEmpty()) {
        drain(pending, source, bar);
      }
      if (source.frames() == 0) {
        throw new MediaDecodeException(
            file
                + " gave no video frames"
                + (r.problem() == null ? "" : " (" + r.problem() + ")")
                + ". Check that it plays in a media player.");
      }
      source.commit();
      LOG.info(
          "{}: {} pairs, {} s of audio (source {})",
          file.getFileName(),
          source.frames(),
          String.format(
              Locale.ROOT, "%.1f", source.audioSamples() / (double) cfg.params().sampleRate()),
          id);
      if (r.problem() != null) {
        return file
            + ": decoding stopped early ("
            + r.problem()
            + "); kept the "
            + source.frames()
            + " frames before it. The file may be truncated.";
      }
      return null;
    }
  }

  private static void drain(
      ArrayDeque<Future<byte[]>> pending, DatasetWriter.SourceWriter source, Progress bar)
      throws IOException {
    try {
      source.encodedFrame(pending.poll().get());
      bar.step(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while compressing frames");
    } catch (ExecutionException e) {
      throw new IOException("compressing a frame failed: " + e.getCause(), e.getCause());
    }
  }

  /** Files named, media files under folders named, and URLs downloaded with yt-dlp. */
  static List<Path> resolveInputs(List<String> inputs, Path out) throws MvgenException {
    return download(expandInputs(inputs), out);
  }

  /**
   * Files named, media files under folders named (sorted), and URLs as given: nothing downloaded
   * yet, so the tasks of a sharded job can share the list first.
   */
  static List<String> expandInputs(List<String> inputs) throws MvgenException {
    List<String> items = new ArrayList<>();
    for (String in : inputs) {
      if (isUrl(in)) {
        items.add(in);
        continue;
      }
      Path p = Path.of(in);
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile)
              .filter(f -> MEDIA_EXTENSIONS.contains(extension(f)))
              .sorted()
              .forEach(f -> items.add(f.toString()));
        } catch (IOException e) {
          throw new MvgenException("Cannot list folder " + p + ": " + e.getMessage(), e);
        }
      } else if (Files.isRegularFile(p)) {
        items.add(p.toString());
      } else if (Files.exists(p)) {
        throw new MvgenException(
            "Input "
                + in
                + " is not a regular file (a pipe, socket or device). Give video files, folders"
                + " of videos, or URLs.");
      } else {
        throw new MvgenException(
            "Input " + in + " does not exist. Give video files, folders of videos, or URLs.");
      }
    }
    if (items.isEmpty()) {
      throw new MvgenException(
          "No video files found in "
              + inputs
              + " (looked for "
              + MEDIA_EXTENSIONS.stream().sorted().toList()
              + ").");
    }
    return items;
  }

  private static List<Path> download(List<String> items, Path out) throws MvgenException {
    List<Path> files = new ArrayList<>();
    for (String in : items) {
      files.add(isUrl(in) ? YtDlp.download(in, out.resolve("downloads")) : Path.of(in));
    }
    return files;
  }

  private static boolean isUrl(String in) {
    return in.startsWith("http://") || in.startsWith("https://");
  }

  private static String extension(Path f) {
    String n = f.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** The first 16 hex digits of the file's SHA-256: the same file is the same source. */
  static String contentId(Path f) throws IOException {
    return Hashing.sha256Hex(f).substring(0, 16);
  }
}
