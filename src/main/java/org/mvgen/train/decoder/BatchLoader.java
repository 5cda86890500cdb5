package org.mvgen.train.decoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.mvgen.decoder.Frames;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.decoder.PairSource;

/**
 * Streams shuffled training batches decoded on background threads, so that the network never waits
 * for JPEG decoding.
 *
 * <p>Order: epoch {@code e} visits the items in a permutation drawn from {@code (seed, e)}; batch
 * {@code b} of the epoch is items {@code [b * batch, (b + 1) * batch)} of that permutation (a last
 * partial batch is dropped, so every step sees the same batch size). Because the item dataset is
 * random-access through its index, this is a full shuffle rather than a shuffle buffer, costs 4
 * bytes per pair (a 10-million-pair dataset: 40 MB), and makes the batch of any global step a pure
 * function of {@code (seed, step)}: resuming at step {@code s} needs no loader state at all.
 * Memory: at most {@code 2 * threads + 1} decoded batches are in flight.
 *
 * <p>Across processes: rank {@code r} of {@code n} loads the {@code r}-th of {@code n} equal slices
 * of every global batch, so {@code n} ranks together see exactly the batches one process would.
 */
public final class BatchLoader implements AutoCloseable {
  /** One decoded batch: {@code n} normalised latents and {@code n} normalised CHW frames. */
  public record Batch(long step, int n, float[] latents, float[] frames) {}

  private final PairSource src;
  private final LatentNorm norm;
  private final int batch;
  private final int rank;
  private final int world;
  private final long seed;
  private final long stepsPerEpoch;
  private final ExecutorService pool;
  private final ArrayDeque<Future<Batch>> queue = new ArrayDeque<>();
  private final int depth;
  private long nextSubmit;
  private long cachedEpoch = -1;
  private int[] cachedPerm;

  /**
   * Starts loading at global step {@code startStep}. {@code batch} is reduced to the number of
   * items when there are fewer.
   */
  public BatchLoader(
      PairSource src, LatentNorm norm, int batch, long seed, long startStep, int threads) {
    this(src, norm, batch, seed, startStep, threads, 0, 1);
  }

  /**
   * The loader of rank {@code rank} of {@code world}: {@code batch} is the global batch, which must
   * divide evenly among the ranks.
   */
  public BatchLoader(
      PairSource src,
      LatentNorm norm,
      int batch,
      long seed,
      long startStep,
      int threads,
      int rank,
      int world) {
    if (src.size() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("more than 2^31 training pairs");
    }
    this.src = src;
    this.norm = norm;
    this.batch = (int) Math.min(batch, src.size());
    this.rank = rank;
    this.world = world;
    if (this.batch % world != 0) {
      throw new IllegalArgumentException(
          "train.batch_size ("
              + this.batch
              + ") must be a multiple of the number of processes ("
              + world
              + ") so that every process trains on an equal share");
    }
    this.seed = seed;
    this.stepsPerEpoch = src.size() / this.batch;
    int t = Math.max(1, threads);
    AtomicInteger count = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            t,
            r -> {
              Thread th = new Thread(r, "mvgen-loader-" + count.incrementAndGet());
              th.setDaemon(true);
              return th;
            });
    this.depth = 2 * t + 1;
    this.nextSubmit = startStep;
    for (int i = 0; i < depth; i++) {
      submit();
    }
  }

  /** The global batch size (all ranks together). */
  public int batchSize() {
    return batch;
  }

  public long stepsPerEpoch() {
    return stepsPerEpoch;
  }

  private void submit() {
    long step = nextSubmit++;
    int[] items = items(step);
    queue.addLast(pool.submit(() -> load(step, items)));
  }

  /** This rank's items of global step {@code step}, in order. */
  synchronized int[] items(long step) {
    long epoch = step / stepsPerEpoch;
    int b = (int) (step % stepsPerEpoch);
    if (epoch != cachedEpoch) {
      cachedPerm = permutation((int) src.size(), seed, epoch);
      cachedEpoch = epoch;
    }
    int share = batch / world;
    int[] out = new int[share];
    System.arraycopy(cachedPerm, b * batch + rank * share, out, 0, share);
    return out;
  }

  static int[] permutation(int n, long seed, long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  private Batch load(long step, int[] items) throws IOException {
    int d = src.latentSize();
    int fb = src.frameBytes();
    float[] z = new float[items.length * d];
    float[] frames = new float[items.length * fb];
    byte[] rgb = new byte[fb];
    for (int i = 0; i < items.length; i++) {
      src.latent(items[i], z, i * d);
      src.rgb(items[i], rgb, 0);
      Frames.toNetwork(rgb, 0, 1, src.frameSize(), frames, i * fb);
    }
    norm.apply(z, 0, items.length);
    return new Batch(step, items.length, z, frames);
  }

  /** The batch of the next step; blocks while it is still being decoded. */
  public Batch next() throws IOException, InterruptedException {
    Future<Batch> f = queue.removeFirst();
    submit();
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException("loading a training batch failed: " + c, c);
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
