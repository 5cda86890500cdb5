package org.mvgen.rave.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.mvgen.util.Json;

/**
 * A folder written by {@code mvgen rave preprocess}, read at random: how many examples, read
 * example {@code i}, crops of it, and the train and validation views with deterministic batches.
 *
 * <pre>
 * try (RaveData data = RaveData.open(Path.of("ravedata"))) {
 *   RaveData.View train = data.train();
 *   Batches batches = train.batches(8, 65536, seed);
 *   Batches.Batch b = batches.batch(step);     // the same for the same (seed, step), always
 *   float[] whole = data.example(train.example(0));
 * }
 * </pre>
 *
 * <p>Examples are numbered input after input in manifest order (inputs ordered by id), each input's
 * in time order. {@link #open} checks the manifest and that every shard exists with its exact size,
 * so a damaged folder fails at once with the file named rather than part way through training. All
 * read methods are thread-safe (positional reads); returned arrays belong to the caller. Memory:
 * the manifest and 12 bytes per example.
 */
public final class RaveData implements AutoCloseable {
  /**
   * Where an example comes from.
   *
   * @param input index of its input in {@link RaveManifest#inputs}
   * @param name the input's name
   * @param index the example's number within its input
   * @param start its first sample in the input's decoded audio
   * @param validation whether it is held out
   */
  public record Origin(int input, String name, int index, long start, boolean validation) {}

  private final Path dir;
  private final RaveManifest manifest;
  private final RaveDataParams params;
  private final long[] firstExample; // per input, plus the total at the end
  private final long[] firstShardExample; // per shard (global), plus the total at the end
  private final Path[] shardFiles;
  private final FileChannel[] channels;
  private final long[] trainIds;
  private final long[] validationIds;
  private boolean closed;

  private RaveData(Path dir, RaveManifest m) {
    this.dir = dir;
    this.manifest = m;
    this.params = m.params();
    List<RaveManifest.Input> inputs = m.inputs();
    firstExample = new long[inputs.size() + 1];
    int shards = inputs.stream().mapToInt(i -> i.shards().size()).sum();
    firstShardExample = new long[shards + 1];
    shardFiles = new Path[shards];
    channels = new FileChannel[shards];
    long n = 0;
    int s = 0;
    long validation = 0;
    for (int i = 0; i < inputs.size(); i++) {
      firstExample[i] = n;
      for (RaveManifest.Shard sh : inputs.get(i).shards()) {
        firstShardExample[s] = n;
        shardFiles[s++] = dir.resolve(sh.file());
        n += sh.examples();
      }
      for (long[] r : inputs.get(i).validation()) {
        validation += r[1] - r[0];
      }
    }
    firstExample[inputs.size()] = n;
    firstShardExample[shards] = n;
    validationIds = new long[Math.toIntExact(validation)];
    trainIds = new long[Math.toIntExact(n - validation)];
    int v = 0;
    int t = 0;
    for (int i = 0; i < inputs.size(); i++) {
      long k = 0;
      int count = inputs.get(i).examples();
      for (long[] r : inputs.get(i).validation()) {
        for (; k < r[0]; k++) {
          trainIds[t++] = firstExample[i] + k;
        }
        for (; k < r[1]; k++) {
          validationIds[v++] = firstExample[i] + k;
        }
      }
      for (; k < count; k++) {
        trainIds[t++] = firstExample[i] + k;
      }
    }
  }

  /**
   * Opens a complete folder. Fails with a message naming the file and saying what to do when the
   * folder is not RAVE data, is incomplete, is of a newer version, or a shard is missing or
   * truncated.
   */
  public static RaveData open(Path dir) throws RaveDataException {
    if (!Files.isDirectory(dir)) {
      throw new RaveDataException(
          "RAVE data folder "
              + dir
              + " does not exist. Make it with 'mvgen rave preprocess AUDIO... --out "
              + dir
              + "'.");
    }
    Path mf = dir.resolve(RaveManifest.FILE);
    if (!Files.isRegularFile(mf)) {
      throw new RaveDataException(
          dir
              + " is not a complete RAVE data folder: it has no "
              + RaveManifest.FILE
              + " (a 'mvgen rave preprocess' was interrupted, is still running, or this is not"
              + " RAVE data). Run 'mvgen rave preprocess' with the same inputs and --out "
              + dir
              + " to complete it.");
    }
    RaveManifest m;
    try {
      m = Json.read(mf, RaveManifest.class);
    } catch (IOException e) {
      throw new RaveDataException(
          mf
              + " is not a readable RAVE data manifest ("
              + e.getMessage()
              + "). Delete it and run 'mvgen rave preprocess' with the same inputs again.",
          e);
    }
    if (!RaveManifest.FORMAT.equals(m.format())) {
      throw new RaveDataException(
          mf
              + " is not a RAVE data manifest (format '"
              + m.format()
              + "', expected '"
              + RaveManifest.FORMAT
              + "'). Give a folder made by 'mvgen rave preprocess'.");
    }
    if (m.version() > RaveManifest.VERSION || m.version() < 1) {
      throw new RaveDataException(
          dir
              + " is RAVE data version "
              + m.version()
              + "; this mvgen reads version "
              + RaveManifest.VERSION
              + ". Update mvgen, or prepare the audio again with this one.");
    }
    if (m.params() == null) {
      throw new RaveDataException(mf + " has no params. Prepare the audio again.");
    }
    long exampleBytes = m.params().exampleBytes();
    long total = 0;
    for (RaveManifest.Input in : m.inputs()) {
      long sum = 0;
      for (RaveManifest.Shard s : in.shards()) {
        Path f = dir.resolve(s.file());
        long want = s.examples() * exampleBytes;
        if (!Files.isRegularFile(f)) {
          throw new RaveDataException(
              "Shard "
                  + f
                  + " listed in "
                  + mf
                  + " is missing. Run 'mvgen rave preprocess' with the same inputs and --out "
                  + dir
                  + " to make it again.");
        }
        long size;
        try {
          size = Files.size(f);
        } catch (IOException e) {
          throw new RaveDataException("Cannot read shard " + f + ": " + e.getMessage(), e);
        }
        if (size != want) {
          throw new RaveDataException(
              "Shard "
                  + f
                  + " is "
                  + (size < want ? "truncated" : "too long")
                  + ": "
                  + size
                  + " bytes, expected "
                  + want
                  + " ("
                  + s.examples()
                  + " examples). Delete "
                  + dir.resolve(Preprocess.INPUTS_DIR).resolve(in.id() + ".json")
                  + " and run 'mvgen rave preprocess' with the same inputs to make it again.");
        }
        sum += s.examples();
      }
      if (sum != in.examples()) {
        throw new RaveDataException(
            mf + " lists " + in.examples() + " examples of " + in.name() + " but shards of " + sum);
      }
      long prevEnd = 0;
      for (long[] r : in.validation()) {
        if (r.length != 2 || r[0] < prevEnd || r[1] <= r[0] || r[1] > in.examples()) {
          throw new RaveDataException(
              mf + " has a bad validation range " + Arrays.toString(r) + " for " + in.name());
        }
        prevEnd = r[1];
      }
      total += sum;
    }
    if (total != m.examples()) {
      throw new RaveDataException(
          mf + " says " + m.examples() + " examples but its inputs hold " + total);
    }
    return new RaveData(dir, m);
  }

  public Path dir() {
    return dir;
  }

  public RaveManifest manifest() {
    return manifest;
  }

  public RaveDataParams params() {
    return params;
  }

  public int sampleRate() {
    return params.sampleRate();
  }

  /** Samples per example. */
  public int exampleLength() {
    return params.exampleLength();
  }

  /** Number of examples. */
  public long size() {
    return firstExample[firstExample.length - 1];
  }

  /** Reads example {@code i} into {@code dst[off .. off + exampleLength())}. */
  public void read(long i, float[] dst, int off) throws IOException {
    crop(i, 0, exampleLength(), dst, off);
  }

  /** Example {@code i} in a new array. */
  public float[] example(long i) throws IOException {
    float[] out = new float[exampleLength()];
    read(i, out, 0);
    return out;
  }

  /**
   * Reads samples {@code [offset, offset + length)} of example {@code i} into {@code dst[off ..]}.
   */
  public void crop(long i, int offset, int length, float[] dst, int off) throws IOException {
    checkExample(i);
    if (offset < 0 || length < 0 || offset + length > exampleLength()) {
      throw new IndexOutOfBoundsException(
          "crop [" + offset + ", " + (offset + length) + ") of an example of " + exampleLength());
    }
    int s = Arrays.binarySearch(firstShardExample, i);
    s = s < 0 ? -s - 2 : s;
    while (firstShardExample[s + 1] == i) {
      s++; // (no empty shards are written, but be exact)
    }
    int bytes = params.format().bytes();
    long pos = ((i - firstShardExample[s]) * exampleLength() + offset) * bytes;
    ByteBuffer b = ByteBuffer.allocate(length * bytes).order(ByteOrder.LITTLE_ENDIAN);
    FileChannel ch = channel(s);
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        throw new IOException(
            "Shard " + shardFiles[s] + " ends early: it was truncated after the folder was opened");
      }
    }
    b.flip();
    params.format().get(b, dst, off, length);
  }

  /**
   * A crop of {@code length} samples of example {@code i} at an offset drawn from {@code rng}
   * (uniform over all offsets that fit), for augmentation.
   */
  public float[] randomCrop(long i, int length, SplittableRandom rng) throws IOException {
    if (length < 1 || length > exampleLength()) {
      throw new IllegalArgumentException(
          "crop length (" + length + ") must be in 1.." + exampleLength());
    }
    float[] out = new float[length];
    crop(i, rng.nextInt(exampleLength() - length + 1), length, out, 0);
    return out;
  }

  /** Where example {@code i} comes from. */
  public Origin origin(long i) {
    checkExample(i);
    int in = Arrays.binarySearch(firstExample, i);
    in = in < 0 ? -in - 2 : in;
    while (firstExample[in + 1] == i) {
      in++;
    }
    RaveManifest.Input input = manifest.inputs().get(in);
    int k = (int) (i - firstExample[in]);
    boolean val = false;
    for (long[] r : input.validation()) {
      val |= k >= r[0] && k < r[1];
    }
    return new Origin(in, input.name(), k, input.start(k, exampleLength()), val);
  }

  /** The examples held in for training. */
  public View train() {
    return new View(this, trainIds, "train");
  }

  /** The examples held out for validation (may be empty for a tiny folder). */
  public View validation() {
    return new View(this, validationIds, "validation");
  }

  /** All examples. */
  public View all() {
    long[] ids = new long[Math.toIntExact(size())];
    Arrays.setAll(ids, k -> k);
    return new View(this, ids, "all");
  }

  private void checkExample(long i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException("example " + i + " of " + size());
    }
  }

  private synchronized FileChannel channel(int s) throws IOException {
    if (closed) {
      throw new IOException("RAVE data " + dir + " is closed");
    }
    if (channels[s] == null) {
      channels[s] = FileChannel.open(shardFiles[s], StandardOpenOption.READ);
    }
    return channels[s];
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    IOException first = null;
    for (FileChannel ch : channels) {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** A subset of the examples (a split), numbered {@code 0 .. size())}. Thread-safe. */
  public static final class View {
    private final RaveData data;
    private final long[] ids;
    private final String name;

    View(RaveData data, long[] ids, String name) {
      this.data = data;
      this.ids = ids;
      this.name = name;
    }

    public RaveData data() {
      return data;
    }

    /** {@code train}, {@code validation} or {@code all}. */
    public String name() {
      return name;
    }

    public int size() {
      return ids.length;
    }

    /** The folder-wide number of the view's example {@code j}. */
    public long example(int j) {
      return ids[j];
    }

    /** The view's example {@code j}, whole. */
    public float[] read(int j) throws IOException {
      return data.example(ids[j]);
    }

    /**
     * Shuffled batches of random crops: the batch of a step is a pure function of {@code (seed,
     * step)}. {@code cropLength} equal to the example length takes whole examples.
     */
    public Batches batches(int batchSize, int cropLength, long seed) {
      return new Batches(this, batchSize, cropLength, seed);
    }
  }
}
