package org.mvgen.rave.data;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Shuffled batches of crops from a {@link RaveData.View}, each a pure function of {@code (seed,
 * step)}, so that a resumed training run sees exactly the batches it would have seen.
 *
 * <p>Order, as {@code decoder.BatchLoader}: epoch {@code e} visits the view's examples in a
 * permutation drawn from {@code (seed, e)}; batch {@code b} of the epoch is items {@code [b·n, (b +
 * 1)·n)} of it (a last partial batch is dropped, so every step has the same size). The crop offset
 * of each item is drawn from {@code (seed, step, slot)}. Costs 4 bytes per example for the cached
 * permutation. Not thread-safe (the cache); {@link #batch} reads synchronously.
 */
public final class Batches {
  /**
   * One batch.
   *
   * @param step the global step
   * @param examples folder-wide numbers of its examples
   * @param offsets crop offset within each example
   * @param audio {@code examples.length × cropLength} samples, example after example
   */
  public record Batch(long step, long[] examples, int[] offsets, float[] audio) {}

  private final RaveData.View view;
  private final int batch;
  private final int crop;
  private final long seed;
  private final long stepsPerEpoch;
  private long cachedEpoch = -1;
  private int[] cachedPerm;

  Batches(RaveData.View view, int batchSize, int cropLength, long seed) {
    if (view.size() == 0) {
      throw new IllegalArgumentException("the " + view.name() + " set has no examples");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size (" + batchSize + ") must be positive");
    }
    int len = view.data().exampleLength();
    if (cropLength < 1 || cropLength > len) {
      throw new IllegalArgumentException(
          "crop length (" + cropLength + ") must be in 1.." + len + " (the example length)");
    }
    this.view = view;
    this.batch = Math.min(batchSize, view.size());
    this.crop = cropLength;
    this.seed = seed;
    this.stepsPerEpoch = view.size() / this.batch;
  }

  /** Items per batch ({@code batchSize}, or the view's size when it is smaller). */
  public int batchSize() {
    return batch;
  }

  public int cropLength() {
    return crop;
  }

  public long stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** The view positions of the items of global step {@code step}, in order. */
  public int[] items(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step " + step + " is negative");
    }
    long epoch = step / stepsPerEpoch;
    int b = (int) (step % stepsPerEpoch);
    if (epoch != cachedEpoch) {
      cachedPerm = permutation(view.size(), seed, epoch);
      cachedEpoch = epoch;
    }
    int[] out = new int[batch];
    System.arraycopy(cachedPerm, b * batch, out, 0, batch);
    return out;
  }

  /** Crop offsets of the items of step {@code step}. */
  public int[] offsets(long step) {
    int[] out = new int[batch];
    int range = view.data().exampleLength() - crop + 1;
    SplittableRandom r = new SplittableRandom(mix(seed, step));
    for (int i = 0; i < batch; i++) {
      out[i] = r.nextInt(range);
    }
    return out;
  }

  /** Reads the batch of global step {@code step}. */
  public Batch batch(long step) throws IOException {
    int[] items = items(step);
    int[] offsets = offsets(step);
    long[] examples = new long[batch];
    float[] audio = new float[batch * crop];
    for (int i = 0; i < batch; i++) {
      examples[i] = view.example(items[i]);
      view.data().crop(examples[i], offsets[i], crop, audio, i * crop);
    }
    return new Batch(step, examples, offsets, audio);
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

  private static long mix(long seed, long step) {
    // A different stream from the permutation's: offsets and order stay independent.
    return (seed ^ 0xD1B54A32D192ED03L) * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L;
  }
}
