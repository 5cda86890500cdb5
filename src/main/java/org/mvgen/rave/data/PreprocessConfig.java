package org.mvgen.rave.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of one {@link Preprocess} run.
 *
 * @param inputs audio or video files, folders of them (searched recursively) and mvgen dataset
 *     folders
 * @param out the RAVE data folder to create or extend
 * @param params what the examples are (fixed for a folder)
 * @param shardExamples examples per shard file
 * @param split how validation is held out
 */
public record PreprocessConfig(
    List<String> inputs, Path out, RaveDataParams params, int shardExamples, RaveSplit split) {
  public PreprocessConfig {
    inputs = List.copyOf(inputs);
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no inputs given");
    }
    if (out == null || params == null || split == null) {
      throw new IllegalArgumentException("out, params and split are required");
    }
    if (shardExamples < 1) {
      throw new IllegalArgumentException(
          "rave.shard_examples (" + shardExamples + ") must be at least 1");
    }
  }
}
