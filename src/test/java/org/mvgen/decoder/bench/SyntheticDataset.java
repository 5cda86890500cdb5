package org.mvgen.decoder.bench;

import java.nio.file.Path;
import org.mvgen.decoder.Synthetic;

/**
 * Writes the synthetic dataset of the decoder tests ({@link Synthetic#dataset}: frames drawn from
 * 4-value latents, encoder id {@value Synthetic#ENCODER}) for benchmarks that run {@code mvgen
 * train} on it (bench/scaling.sh).
 *
 * <pre>
 * SyntheticDataset DIR [SOURCES=6] [FRAMES_PER_SOURCE=200] [SIZE=64]
 * </pre>
 */
public final class SyntheticDataset {
  private SyntheticDataset() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int sources = args.length > 1 ? Integer.parseInt(args[1]) : 6;
    int frames = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int size = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    Synthetic.dataset(dir, sources, frames, size);
    System.out.printf(
        "dataset=%s sources=%d pairs=%d size=%d encoder=%s%n",
        dir, sources, sources * frames, size, Synthetic.ENCODER);
  }
}
