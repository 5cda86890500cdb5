package org.mvgen.dataset;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@link Ingest} needs.
 *
 * @param inputs files, folders (searched recursively for media files) and http(s) URLs
 * @param out the dataset folder, created or extended
 * @param params sample rate, fps, frame size and window of the pairs
 * @param jpegQuality 1..100, or 0 for lossless PNG frames
 * @param shardPairs pairs per tar shard
 * @param split how validation is held out
 * @param decodeThreads FFmpeg decoder threads per video (0: automatic)
 */
public record IngestConfig(
    List<String> inputs,
    Path out,
    DatasetParams params,
    int jpegQuality,
    int shardPairs,
    SplitConfig split,
    int decodeThreads) {
  public IngestConfig {
    inputs = List.copyOf(inputs);
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(split, "split");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no inputs given");
    }
    if (jpegQuality < 0 || jpegQuality > 100) {
      throw new IllegalArgumentException("jpegQuality (" + jpegQuality + ") must be in 0..100");
    }
    if (decodeThreads < 0) {
      throw new IllegalArgumentException(
          "dataset.decode_threads ("
              + decodeThreads
              + ") must be 0 (FFmpeg chooses) or a number of threads");
    }
    if (shardPairs <= 0) {
      throw new IllegalArgumentException("shardPairs (" + shardPairs + ") must be positive");
    }
  }
}
