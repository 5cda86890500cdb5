package org.mvgen.decoder;

import java.io.IOException;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetFormatException;
import org.mvgen.dataset.Split;

/** The pairs of one split of a dataset, with one encoder's latents. Thread-safe. */
public final class DatasetPairs implements PairSource {
  private final Dataset ds;
  private final Dataset.Latents latents;
  private final long[] pairs;

  private DatasetPairs(Dataset ds, Dataset.Latents latents, long[] pairs) {
    this.ds = ds;
    this.latents = latents;
    this.pairs = pairs;
  }

  /** The pairs of {@code split}, with the latents of encoder {@code encoderId} (id or spec). */
  public static DatasetPairs of(Dataset ds, String encoderId, Split split)
      throws DatasetFormatException {
    return new DatasetPairs(ds, ds.latents(encoderId), ds.pairs(split));
  }

  public Dataset.Latents latents() {
    return latents;
  }

  /** The dataset pair number of item {@code i}. */
  public long pair(long i) {
    return pairs[(int) i];
  }

  @Override
  public long size() {
    return pairs.length;
  }

  @Override
  public int latentSize() {
    return latents.dim();
  }

  @Override
  public int frameSize() {
    return ds.params().frameSize();
  }

  @Override
  public void latent(long i, float[] dst, int off) {
    latents.row(pairs[(int) i], dst, off);
  }

  @Override
  public void rgb(long i, byte[] dst, int off) throws IOException {
    byte[] rgb = ds.rgb(pairs[(int) i]);
    System.arraycopy(rgb, 0, dst, off, rgb.length);
  }

  @Override
  public boolean followsPrevious(long i) {
    if (i <= 0) {
      return false;
    }
    long a = pairs[(int) i - 1];
    long b = pairs[(int) i];
    return b == a + 1 && ds.sourceOf(a).index() == ds.sourceOf(b).index();
  }
}
