package org.mvgen.dataset;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.mvgen.MvgenIOException;
import org.mvgen.audio.AudioTrack;
import org.mvgen.util.Json;

/**
 * A complete dataset on disk, read at random: "how many pairs" and "load pair i", with nothing but
 * the per-source indexes in memory (24 bytes a pair).
 *
 * <pre>
 * try (Dataset ds = Dataset.open(Path.of("data"))) {
 *   for (long i : ds.pairs(Split.TRAIN)) {
 *     byte[] rgb = ds.rgb(i);
 *     float[] window = ds.audioWindow(i);
 *   }
 * }
 * </pre>
 *
 * <p>Pairs are numbered source after source in manifest order. All read methods are thread-safe
 * (positional reads); returned arrays belong to the caller.
 */
public final class Dataset implements AutoCloseable {
  /** One source video of the dataset. */
  public record Source(
      int index, String id, String name, long firstPair, int pairs, long audioSamples) {}

  private final Path dir;
  private volatile Manifest manifest;
  private final List<Source> sources;
  private final long[] firstPair; // firstPair[s], plus the total at the end
  private final Npy.Array[] indexes;
  private final FileChannel[][] shards;
  private final AudioTrack[] audio;
  private final long size;

  private Dataset(Path dir, Manifest m) {
    this.dir = dir;
    this.manifest = m;
    List<Source> list = new ArrayList<>();
    firstPair = new long[m.sources().size() + 1];
    long n = 0;
    for (int i = 0; i < m.sources().size(); i++) {
      Manifest.SourceEntry e = m.sources().get(i);
      firstPair[i] = n;
      list.add(new Source(i, e.id(), e.name(), n, e.pairs(), e.audioSamples()));
      n += e.pairs();
    }
    firstPair[list.size()] = n;
    this.sources = List.copyOf(list);
    this.size = n;
    this.indexes = new Npy.Array[list.size()];
    this.shards = new FileChannel[list.size()][];
    this.audio = new AudioTrack[list.size()];
  }

  /**
   * Opens a complete dataset. Fails with a message that says what to run when the folder is not a
   * dataset, is incomplete (no manifest yet) or is of a newer format.
   */
  public static Dataset open(Path dir) throws DatasetFormatException {
    Path mf = dir.resolve(Manifest.FILE);
    if (!Files.isDirectory(dir)) {
      throw new DatasetFormatException(
          "Dataset folder "
              + dir
              + " does not exist. Create it with 'mvgen ingest VIDEOS --out "
              + dir
              + "'.");
    }
    if (!Files.isRegularFile(mf)) {
      throw new DatasetFormatException(
          "Dataset "
              + dir
              + " is incomplete: it has no "
              + Manifest.FILE
              + " (an ingest was"
              + " interrupted or is still running). Run 'mvgen ingest' with the same inputs and"
              + " --out "
              + dir
              + " to complete it.");
    }
    Manifest m = ManifestFile.read(dir);
    return new Dataset(dir, m);
  }

  public Path dir() {
    return dir;
  }

  public Manifest manifest() {
    return manifest;
  }

  public DatasetParams params() {
    return manifest.params();
  }

  public List<Source> sources() {
    return sources;
  }

  /** Number of pairs. */
  public long size() {
    return size;
  }

  public Source sourceOf(long pair) {
    checkPair(pair);
    int s = Arrays.binarySearch(firstPair, pair);
    if (s < 0) {
      s = -s - 2;
    } else {
      while (s + 1 < firstPair.length - 1 && firstPair[s + 1] == pair) {
        s++; // skip empty sources (none are written, but be exact)
      }
    }
    return sources.get(s);
  }

  /** Frame number of {@code pair} within its source. */
  public int frameIndex(long pair) {
    return (int) (pair - sourceOf(pair).firstPair());
  }

  private void checkPair(long pair) {
    if (pair < 0 || pair >= size) {
      throw new IndexOutOfBoundsException("pair " + pair + " of " + size);
    }
  }

  public boolean isValidation(long pair) {
    Source s = sourceOf(pair);
    long k = pair - s.firstPair();
    for (long[] r : manifest.sources().get(s.index()).validation()) {
      if (k >= r[0] && k < r[1]) {
        return true;
      }
    }
    return false;
  }

  /** All pairs of a split, ascending. */
  public long[] pairs(Split split) {
    long count = 0;
    for (Manifest.SourceEntry e : manifest.sources()) {
      for (long[] r : e.validation()) {
        count += r[1] - r[0];
      }
    }
    long n = split == Split.VALIDATION ? count : size - count;
    long[] out = new long[Math.toIntExact(n)];
    int o = 0;
    for (Source s : sources) {
      List<long[]> val = manifest.sources().get(s.index()).validation();
      if (split == Split.VALIDATION) {
        for (long[] r : val) {
          for (long k = r[0]; k < r[1]; k++) {
            out[o++] = s.firstPair() + k;
          }
        }
      } else {
        long k = 0;
        for (long[] r : val) {
          for (; k < r[0]; k++) {
            out[o++] = s.firstPair() + k;
          }
          k = r[1];
        }
        for (; k < s.pairs(); k++) {
          out[o++] = s.firstPair() + k;
        }
      }
    }
    return out;
  }

  /**
   * The stored (compressed) image of a pair. A damaged or short shard or index fails with a {@link
   * MvgenIOException} naming the file, the pair and what to do.
   */
  public byte[] imageBytes(long pair) throws IOException {
    Source s = sourceOf(pair);
    Npy.Array idx = index(s);
    long k = pair - s.firstPair();
    long shard = idx.getLong(k * 3);
    long offset = idx.getLong(k * 3 + 1);
    long len = idx.getLong(k * 3 + 2);
    List<Manifest.ShardEntry> list = manifest.sources().get(s.index()).shards();
    if (shard < 0 || shard >= list.size() || offset < 0 || len <= 0 || len > Integer.MAX_VALUE) {
      throw damaged(
          s,
          k,
          dir.resolve(manifest.sources().get(s.index()).indexFile()),
          "its index row points nowhere (shard " + shard + ", offset " + offset + ")",
          null);
    }
    Path file = dir.resolve(list.get((int) shard).file());
    FileChannel ch;
    try {
      ch = shard(s, (int) shard);
    } catch (IOException e) {
      throw damaged(s, k, file, "the shard cannot be opened (" + e.getMessage() + ")", e);
    }
    ByteBuffer b = ByteBuffer.allocate((int) len);
    while (b.hasRemaining()) {
      if (ch.read(b, offset + b.position()) < 0) {
        throw damaged(s, k, file, "the shard ends before the pair's image (it is truncated)", null);
      }
    }
    return b.array();
  }

  /** The frame of a pair as packed RGB, {@code frameSize² * 3} bytes. */
  public byte[] rgb(long pair) throws IOException {
    byte[] bytes = imageBytes(pair);
    try {
      return ImageCodec.decode(bytes, params().frameSize());
    } catch (IOException | RuntimeException e) {
      Source s = sourceOf(pair);
      long k = pair - s.firstPair();
      int shard = (int) index(s).getLong(k * 3);
      Path file = dir.resolve(manifest.sources().get(s.index()).shards().get(shard).file());
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw damaged(s, k, file, "its image does not decode (" + why + ")", e);
    }
  }

  /**
   * A damaged stored file: names the file, the pair and how to repair the dataset. {@code k} is the
   * pair's frame within its source, or -1 when the whole source is concerned.
   */
  MvgenIOException damaged(Source s, long k, Path file, String what, Throwable cause) {
    String where =
        (k >= 0 ? "Pair " + k + " of source " : "Source ")
            + s.name()
            + " ("
            + s.id()
            + ") in dataset "
            + dir
            + ": "
            + file
            + ": "
            + what
            + ". ";
    return new MvgenIOException(where + repairAdvice(s), cause);
  }

  private String repairAdvice(Source s) {
    return "The dataset is damaged: 'mvgen dataset check "
        + dir
        + "' lists every damaged file. To rebuild this source, delete "
        + dir.resolve("sources").resolve(s.id() + ".json")
        + " and run 'mvgen ingest' again with its video ("
        + s.name()
        + ") and --out "
        + dir
        + ".";
  }

  /** The audio window of a pair ({@link Alignment}), zero-padded before the audio starts. */
  public float[] audioWindow(long pair) throws IOException {
    Source s = sourceOf(pair);
    long k = pair - s.firstPair();
    Alignment a = params().alignment();
    AudioTrack track = audio(s);
    float[] w = track.read(a.start(k), a.window());
    int bad = NonFinite.first(w, 0, w.length);
    if (bad >= 0) {
      throw nonFiniteAudio(s, track.file(), a.start(k) + bad, w[bad]);
    }
    return w;
  }

  /**
   * A stored audio sample that is NaN or infinite: names the WAV, the sample and its time, and what
   * to do (no encoder can use it, and it would poison a PCA fitted on the dataset).
   */
  public MvgenIOException nonFiniteAudio(Source s, Path wav, long sample, float value) {
    return new MvgenIOException(
        wav
            + " (source "
            + s.name()
            + ", "
            + s.id()
            + ", dataset "
            + dir
            + "): audio sample "
            + sample
            + " ("
            + NonFinite.seconds(sample, params().sampleRate())
            + ") is "
            + value
            + "; the stored audio must be finite. The source video's own audio is damaged there:"
            + " repair or re-export it (for example with ffmpeg), delete "
            + dir.resolve("sources").resolve(s.id() + ".json")
            + " and run 'mvgen ingest' again with it and --out "
            + dir
            + " (or leave it out).");
  }

  /**
   * Random access to a source's whole audio track. Fails, naming the file, when it is not the
   * stored WAV the manifest describes (missing, damaged, or shorter or longer than recorded).
   */
  public synchronized AudioTrack audio(Source s) throws IOException {
    if (audio[s.index()] == null) {
      Path wav = dir.resolve("audio").resolve(s.id() + ".wav");
      AudioTrack a;
      try {
        a = AudioTrack.open(wav);
      } catch (IOException e) {
        throw damaged(s, -1, wav, "the audio cannot be read (" + e.getMessage() + ")", e);
      }
      if (a.length() != s.audioSamples() || a.sampleRate() != params().sampleRate()) {
        long len = a.length();
        int rate = a.sampleRate();
        a.close();
        throw damaged(
            s,
            -1,
            wav,
            len != s.audioSamples()
                ? "it holds "
                    + len
                    + " audio samples, the manifest records "
                    + s.audioSamples()
                    + (len < s.audioSamples() ? " (the file is truncated)" : "")
                : "it is at " + rate + " Hz, the dataset at " + params().sampleRate() + " Hz",
            null);
      }
      audio[s.index()] = a;
    }
    return audio[s.index()];
  }

  private synchronized Npy.Array index(Source s) throws IOException {
    if (indexes[s.index()] == null) {
      Path f = dir.resolve("index").resolve(s.id() + ".npy");
      Npy.Array a;
      try {
        a = Npy.read(f);
      } catch (DatasetFormatException e) {
        throw damaged(s, -1, f, "the index cannot be read (" + e.getMessage() + ")", e);
      }
      if (a.rows() != s.pairs() || a.cols() != 3) {
        throw damaged(
            s,
            -1,
            f,
            "the index has shape ("
                + a.rows()
                + ", "
                + a.cols()
                + "), expected ("
                + s.pairs()
                + ", 3)",
            null);
      }
      indexes[s.index()] = a;
    }
    return indexes[s.index()];
  }

  private synchronized FileChannel shard(Source s, int n) throws IOException {
    List<Manifest.ShardEntry> list = manifest.sources().get(s.index()).shards();
    if (shards[s.index()] == null) {
      shards[s.index()] = new FileChannel[list.size()];
    }
    if (shards[s.index()][n] == null) {
      shards[s.index()][n] =
          FileChannel.open(dir.resolve(list.get(n).file()), StandardOpenOption.READ);
    }
    return shards[s.index()][n];
  }

  /** Where the latents of {@code encoderId} for source {@code s} are stored. */
  public Path latentFile(String encoderId, Source s) {
    return dir.resolve("latents").resolve(encoderId).resolve(s.id() + ".npy");
  }

  /** Ids of the encoders whose latents the manifest records as complete. */
  public Set<String> encoderIds() {
    Set<String> ids = new TreeSet<>();
    manifest.encoders().forEach(e -> ids.add(e.id()));
    return ids;
  }

  /**
   * The record of an encoder's latents, by id or by the spec it was encoded with. Fails with the
   * ids present when there is none, and when a spec matches several sets (the same spec encoded
   * with other settings): then the id decides.
   */
  public EncoderRecord encoder(String encoderId) throws DatasetFormatException {
    List<EncoderRecord> bySpec = new ArrayList<>();
    for (EncoderRecord e : manifest.encoders()) {
      if (e.id().equals(encoderId)) {
        return e;
      }
      if (e.spec().equals(encoderId)) {
        bySpec.add(e);
      }
    }
    if (bySpec.size() == 1) {
      return bySpec.get(0);
    }
    if (bySpec.size() > 1) {
      throw new DatasetFormatException(
          "Dataset "
              + dir
              + " has "
              + bySpec.size()
              + " sets of latents encoded with '"
              + encoderId
              + "' and different settings: "
              + bySpec.stream().map(EncoderRecord::id).toList()
              + ". Pass the id of the one you mean (for example --encoder "
              + bySpec.get(bySpec.size() - 1).id()
              + ").");
    }
    throw new DatasetFormatException(
        "Dataset "
            + dir
            + " has no latents of encoder '"
            + encoderId
            + "'"
            + (manifest.encoders().isEmpty()
                ? ". Run 'mvgen encode " + dir + " --encoder mel' first."
                : "; it has " + encoderIds() + ". Pass one of those, or run 'mvgen encode'."));
  }

  /** The latents of an encoder, memory-mapped, one row per pair. */
  public Latents latents(String encoderId) throws DatasetFormatException {
    EncoderRecord r = encoder(encoderId);
    Npy.Array[] arrays = new Npy.Array[sources.size()];
    for (Source s : sources) {
      Npy.Array a = Npy.read(latentFile(r.id(), s));
      if (a.rows() != s.pairs() || a.cols() != r.dim()) {
        throw new DatasetFormatException(
            latentFile(r.id(), s)
                + " has shape ("
                + a.rows()
                + ", "
                + a.cols()
                + "), expected ("
                + s.pairs()
                + ", "
                + r.dim()
                + "). Run 'mvgen encode "
                + dir
                + " --encoder "
                + r.spec()
                + "' again.");
      }
      float[] row = new float[a.cols()];
      for (long k = 0; k < a.rows(); k++) {
        a.row(k, row, 0);
        int bad = NonFinite.first(row, 0, row.length);
        if (bad >= 0) {
          throw new DatasetFormatException(
              latentFile(r.id(), s)
                  + ": the latent of pair "
                  + k
                  + " of source "
                  + s.name()
                  + " ("
                  + s.id()
                  + ") holds "
                  + row[bad]
                  + " (value "
                  + bad
                  + "); latents must be finite. Run 'mvgen encode "
                  + dir
                  + " --encoder "
                  + r.spec()
                  + "' again: it recomputes them, and names the audio if that is the cause.");
        }
      }
      arrays[s.index()] = a;
    }
    return new Latents(this, r, arrays);
  }

  /** Adds (or replaces) an encoder's record in the manifest, atomically. */
  public synchronized void recordEncoder(EncoderRecord r) throws IOException {
    Manifest m = manifest.withEncoder(r);
    Json.write(dir.resolve(Manifest.FILE), m);
    manifest = m;
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    for (FileChannel[] chs : shards) {
      if (chs == null) {
        continue;
      }
      for (FileChannel ch : chs) {
        try {
          if (ch != null) {
            ch.close();
          }
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
    }
    for (AudioTrack a : audio) {
      try {
        if (a != null) {
          a.close();
        }
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** One encoder's latents for every pair of a dataset. Thread-safe. */
  public static final class Latents {
    private final Dataset ds;
    private final EncoderRecord record;
    private final Npy.Array[] arrays;

    Latents(Dataset ds, EncoderRecord record, Npy.Array[] arrays) {
      this.ds = ds;
      this.record = record;
      this.arrays = arrays;
    }

    public EncoderRecord record() {
      return record;
    }

    public int dim() {
      return record.dim();
    }

    /** Copies the latent of {@code pair} into {@code dst[off .. off + dim())}. */
    public void row(long pair, float[] dst, int off) {
      Source s = ds.sourceOf(pair);
      arrays[s.index()].row(pair - s.firstPair(), dst, off);
    }

    public float[] row(long pair) {
      float[] out = new float[dim()];
      row(pair, out, 0);
      return out;
    }
  }
}
