package org.mvgen.dataset;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mvgen.audio.WavWriter;
import org.mvgen.util.AtomicFiles;
import org.mvgen.util.Hashing;
import org.mvgen.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or extends a dataset folder, one source at a time, so that a crash at any moment leaves a
 * folder that {@link DatasetCheck} reports as incomplete and that a new writer completes.
 *
 * <pre>
 * try (DatasetWriter w = DatasetWriter.create(dir, params, new ImageCodec(256, 92))) {
 *   try (DatasetWriter.SourceWriter s = w.source(id, "clip.mp4", "/videos/clip.mp4", info)) {
 *     s.audio(pcm, 0, pcm.length);
 *     s.frame(rgb);            // frame 0, 1, 2, ...
 *     s.commit();
 *   }
 *   w.finish(split);           // manifest.json, last
 * }
 * </pre>
 *
 * <p>Order of writes for a source: shards, audio and index under temporary names, each renamed when
 * complete; then the marker {@code sources/<id>.json}. The manifest lists only sources with a
 * marker and is written by {@link #finish} after all of them. Not thread-safe: one source at a time
 * per writer.
 */
public final class DatasetWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetWriter.class);
  static final String PARAMS_FILE = "params.json";

  private final Path dir;
  private final DatasetParams params;
  private final ImageCodec codec;
  private final int shardPairs;

  private DatasetWriter(Path dir, DatasetParams params, ImageCodec codec, int shardPairs) {
    this.dir = dir;
    this.params = params;
    this.codec = codec;
    this.shardPairs = shardPairs;
  }

  /** Stored parameters of a dataset folder: written once, when the folder is created. */
  record StoredParams(DatasetParams params, String imageFormat, int jpegQuality) {}

  /**
   * Opens {@code dir} for writing, creating it if needed. An existing dataset must have the same
   * parameters; leftover temporary files of an interrupted run are deleted.
   */
  public static DatasetWriter create(Path dir, DatasetParams params, ImageCodec codec)
      throws DatasetFormatException {
    return create(dir, params, codec, 1000);
  }

  public static DatasetWriter create(
      Path dir, DatasetParams params, ImageCodec codec, int shardPairs)
      throws DatasetFormatException {
    return create(dir, params, codec, shardPairs, true);
  }

  /**
   * Opens {@code dir} for writing; {@code alone} says whether this writer is the folder's only
   * writer (it holds the folder's lock exclusively) and may delete leftovers of interrupted runs.
   * Tasks of a sharded job share the folder, so they leave other tasks' temporary files alone (each
   * deletes the leftovers of the sources it writes, in {@link #source}).
   */
  static DatasetWriter create(
      Path dir, DatasetParams params, ImageCodec codec, int shardPairs, boolean alone)
      throws DatasetFormatException {
    if (codec.size() != params.frameSize()) {
      throw new IllegalArgumentException(
          "codec size " + codec.size() + " != frame size " + params.frameSize());
    }
    if (shardPairs <= 0) {
      throw new IllegalArgumentException("shardPairs (" + shardPairs + ") must be positive");
    }
    try {
      Files.createDirectories(dir);
      for (String sub : List.of("sources", "audio", "shards", "index")) {
        Files.createDirectories(dir.resolve(sub));
      }
      if (!Files.isWritable(dir)) {
        throw new DatasetFormatException(
            "Cannot write to " + dir + ": permission denied. Choose another --out folder.");
      }
      if (Files.exists(dir.resolve(Manifest.FILE))) {
        try {
          ManifestFile.read(dir);
        } catch (ManifestFile.NewerFormatException e) {
          throw e; // refused before anything is changed: finish() would rewrite it as ours
        } catch (DatasetFormatException e) {
          // A damaged manifest is replaced by finish(), which lists the sources on disk.
        }
      }
      Path pf = dir.resolve(PARAMS_FILE);
      StoredParams mine = new StoredParams(params, codec.extension(), codec.jpegQuality());
      if (Files.exists(pf)) {
        StoredParams old = Json.read(pf, StoredParams.class);
        if (!old.params().equals(params) || !old.imageFormat().equals(codec.extension())) {
          throw new DatasetFormatException(
              "Dataset "
                  + dir
                  + " was made with "
                  + old.params()
                  + " ("
                  + old.imageFormat()
                  + " frames); this run asks for "
                  + params
                  + " ("
                  + codec.extension()
                  + "). Use the same settings to add to it, or another --out folder.");
        }
      } else if (!writeOnce(pf, Json.MAPPER.writeValueAsBytes(mine))) {
        // Another task of a sharded job created the folder at the same moment: compare again.
        return create(dir, params, codec, shardPairs, alone);
      }
      DatasetWriter w = new DatasetWriter(dir, params, codec, shardPairs);
      if (alone) {
        w.deleteTemporaryFiles();
      }
      return w;
    } catch (java.nio.file.AccessDeniedException e) {
      throw new DatasetFormatException(
          "Cannot write to " + e.getFile() + ": permission denied. Choose another --out folder.",
          e);
    } catch (java.nio.file.FileSystemException e) {
      // e.g. "Read-only file system", "No space left on device": the reason without the path twice.
      String why = e.getReason() != null ? e.getReason() : e.getMessage();
      throw new DatasetFormatException(
          "Cannot create dataset "
              + dir
              + " ("
              + (e.getFile() != null ? e.getFile() + ": " : "")
              + why
              + "). Choose another --out folder on a writable disk.",
          e);
    } catch (org.mvgen.MvgenIOException e) {
      throw new DatasetFormatException(e.getMessage(), e); // names the file and what to do
    } catch (IOException e) {
      throw new DatasetFormatException(
          "Cannot create dataset "
              + dir
              + ": "
              + e.getMessage()
              + ". Choose another --out folder on a writable disk.",
          e);
    }
  }

  /**
   * Writes {@code target} unless it exists, safely against other processes doing the same: the
   * bytes go to a temporary file of this process's own, which is linked to the target name (a link
   * fails if the name exists; a rename would replace it). Returns false if it existed.
   */
  static boolean writeOnce(Path target, byte[] bytes) throws IOException {
    Path tmp =
        target.resolveSibling(
            target.getFileName()
                + "."
                + ProcessHandle.current().pid()
                + "-"
                + Thread.currentThread().getId()
                + AtomicFiles.TMP_SUFFIX);
    Files.write(tmp, bytes);
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    try {
      Files.createLink(target, tmp);
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return false;
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      // No hard links on this file system: a rename, which loses a simultaneous race at worst
      // to a file of the same content (all tasks of a job write the same settings).
      if (Files.exists(target)) {
        return false;
      }
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Opens an existing dataset folder with its stored settings, to complete its manifest ({@code
   * mvgen dataset merge}); the caller holds the folder's lock exclusively.
   */
  static DatasetWriter open(Path dir) throws DatasetFormatException {
    Path pf = dir.resolve(PARAMS_FILE);
    if (!Files.isRegularFile(pf)) {
      throw new DatasetFormatException(
          dir
              + " is not an mvgen dataset (it has no "
              + PARAMS_FILE
              + "). Give the folder 'mvgen ingest --out' wrote.");
    }
    StoredParams sp;
    try {
      sp = Json.read(pf, StoredParams.class);
    } catch (IOException e) {
      throw new DatasetFormatException(pf + " is not readable: " + e.getMessage(), e);
    }
    ImageCodec codec = new ImageCodec(sp.params().frameSize(), sp.jpegQuality());
    return create(dir, sp.params(), codec, 1000, true);
  }

  public Path dir() {
    return dir;
  }

  public DatasetParams params() {
    return params;
  }

  public ImageCodec codec() {
    return codec;
  }

  private void deleteTemporaryFiles() throws IOException {
    for (String sub : List.of("sources", "audio", "shards", "index", ".")) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(sub))) {
        for (Path p : ds) {
          if (AtomicFiles.isTemporary(p)) {
            LOG.info("Removing {} left by an interrupted run", p);
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /** Whether source {@code id} is already complete (its marker exists). */
  public boolean hasSource(String id) {
    return Files.isRegularFile(markerPath(id));
  }

  /** Whether no source is complete yet: there is nothing for a manifest to list. */
  public boolean isEmpty() throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("sources"), "*.json")) {
      return !ds.iterator().hasNext();
    }
  }

  Path markerPath(String id) {
    return dir.resolve("sources").resolve(id + ".json");
  }

  /** Starts writing source {@code id}, replacing any incomplete files of an earlier attempt. */
  public SourceWriter source(String id, String name, String origin, Map<String, Object> media)
      throws IOException {
    if (!id.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("source id (" + id + ") must be letters, digits, _ -");
    }
    Files.deleteIfExists(markerPath(id));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("shards"), id + "-*")) {
      for (Path p : ds) {
        Files.delete(p); // shards of an attempt that never reached its marker
      }
    }
    return new SourceWriter(id, name, origin, media);
  }

  /** Writes {@code manifest.json} for every complete source; call after the last source. */
  public Manifest finish(SplitConfig split) throws IOException, DatasetFormatException {
    List<Manifest.SourceEntry> sources = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("sources"), "*.json")) {
      for (Path p : ds) {
        sources.add(Json.read(p, Manifest.SourceEntry.class));
      }
    }
    sources.sort(Comparator.comparing(Manifest.SourceEntry::name).thenComparing(s -> s.id()));
    List<Manifest.SourceEntry> withSplit = Splits.assign(sources, params.fps(), split);
    List<EncoderRecord> encoders = new ArrayList<>();
    Path mf = dir.resolve(Manifest.FILE);
    if (Files.exists(mf)) {
      Manifest old = Json.read(mf, Manifest.class);
      for (EncoderRecord e : old.encoders()) {
        boolean complete = true;
        for (Manifest.SourceEntry s : sources) {
          complete &= Files.exists(dir.resolve("latents").resolve(e.id()).resolve(s.id() + ".npy"));
        }
        if (complete) {
          encoders.add(e);
        } else {
          LOG.warn(
              "Latents of encoder {} do not cover the new sources; run 'mvgen encode {} --encoder"
                  + " {}' again.",
              e.id(),
              dir,
              e.spec());
        }
      }
    }
    Manifest m =
        new Manifest(
            Manifest.FORMAT,
            Manifest.VERSION,
            params,
            codec.extension(),
            codec.jpegQuality(),
            split,
            withSplit,
            encoders,
            Instant.now().toString());
    Json.write(mf, m);
    return m;
  }

  @Override
  public void close() {}

  /** Writes one source: audio samples and frames in order, then {@link #commit}. */
  public final class SourceWriter implements AutoCloseable {
    private final String id;
    private final String name;
    private final String origin;
    private final Map<String, Object> media;
    private final WavWriter wav;
    private final Npy.Writer index;
    private final List<Manifest.ShardEntry> shards = new ArrayList<>();
    private final long[] indexRow = new long[3];
    private Tar.Writer tar;
    private MessageDigest digest;
    private Path shardTmp;
    private Path shardFinal;
    private int shardCount;
    private int frames;
    private boolean done;

    private SourceWriter(String id, String name, String origin, Map<String, Object> media)
        throws IOException {
      this.id = id;
      this.name = name;
      this.origin = origin;
      this.media = media == null ? Map.of() : new LinkedHashMap<>(media);
      this.wav = new WavWriter(dir.resolve("audio").resolve(id + ".wav"), params.sampleRate());
      this.index = new Npy.Writer(dir.resolve("index").resolve(id + ".npy"), Npy.DType.INT64, 3);
    }

    public String id() {
      return id;
    }

    /** Appends audio samples (mono, at the dataset's rate); sample 0 is time 0. */
    public void audio(float[] pcm, int off, int len) throws IOException {
      wav.write(pcm, off, len);
    }

    /** Appends {@code n} samples of silence (audio that starts after the video). */
    public void silence(long n) throws IOException {
      wav.writeSilence(n);
    }

    /** Appends the next frame as packed RGB ({@code frameSize² * 3} bytes). */
    public void frame(byte[] rgb) throws IOException {
      if (rgb.length != params.frameSize() * params.frameSize() * 3) {
        throw new IllegalArgumentException(
            "frame has " + rgb.length + " bytes, expected " + params.frameSize() + "²·3");
      }
      encodedFrame(codec.encode(rgb));
    }

    /** Appends the next frame already compressed by {@link #codec()} (from a worker thread). */
    public void encodedFrame(byte[] encoded) throws IOException {
      if (tar == null) {
        openShard();
      }
      int k = frames;
      String key = String.format("%s_%08d", id, k);
      long offset = tar.add(key + "." + codec.extension(), encoded);
      Alignment a = params.alignment();
      String meta =
          String.format(
              "{\"source\":\"%s\",\"frame\":%d,\"time\":%.6f,\"audio\":\"audio/%s.wav\","
                  + "\"audio_start\":%d,\"audio_end\":%d}",
              id, k, k / (double) params.fps(), id, a.start(k), a.end(k));
      tar.add(key + ".json", meta.getBytes(StandardCharsets.UTF_8));
      indexRow[0] = shardCount;
      indexRow[1] = offset;
      indexRow[2] = encoded.length;
      index.writeRow(indexRow, 0);
      frames++;
      if (frames % shardPairs == 0) {
        closeShard();
      }
    }

    public int frames() {
      return frames;
    }

    public long audioSamples() {
      return wav.samples();
    }

    private void openShard() throws IOException {
      shardFinal = dir.resolve("shards").resolve(String.format("%s-%04d.tar", id, shardCount));
      shardTmp = AtomicFiles.temporary(shardFinal);
      digest = Hashing.sha256();
      OutputStream out =
          new DigestOutputStream(
              new BufferedOutputStream(Files.newOutputStream(shardTmp), 1 << 16), digest);
      tar = new Tar.Writer(out);
    }

    private void closeShard() throws IOException {
      tar.finish();
      tar.close();
      long bytes = Files.size(shardTmp);
      AtomicFiles.commit(shardTmp, shardFinal);
      int pairs = frames - shards.stream().mapToInt(Manifest.ShardEntry::pairs).sum();
      shards.add(
          new Manifest.ShardEntry(
              "shards/" + shardFinal.getFileName(),
              bytes,
              pairs,
              HexFormat.of().formatHex(digest.digest())));
      tar = null;
      shardCount++;
    }

    /** Completes the source: closes the last shard, the audio and the index, writes the marker. */
    public Manifest.SourceEntry commit() throws IOException {
      if (frames == 0) {
        throw new IllegalStateException("source " + id + " has no frames");
      }
      if (tar != null) {
        closeShard();
      }
      wav.commit();
      index.commit();
      Manifest.SourceEntry e =
          new Manifest.SourceEntry(
              id, name, origin, frames, wav.samples(), List.of(), shards, media);
      Json.write(markerPath(id), e);
      done = true;
      return e;
    }

    /**
     * Without a commit, removes everything this source wrote. Every file is removed even when
     * closing a stream fails (a full disk fails the final flush); the first failure is thrown.
     */
    @Override
    public void close() throws IOException {
      if (done) {
        return;
      }
      done = true;
      IOException failure = null;
      List<IORunnable> steps = new ArrayList<>();
      if (tar != null) {
        steps.add(tar::close);
        steps.add(() -> Files.deleteIfExists(shardTmp));
      }
      steps.add(wav::close);
      steps.add(index::close);
      for (Manifest.ShardEntry s : shards) {
        steps.add(() -> Files.deleteIfExists(dir.resolve(s.file())));
      }
      for (IORunnable step : steps) {
        try {
          step.run();
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  private interface IORunnable {
    void run() throws IOException;
  }
}
