package org.mvgen.cli;

import picocli.CommandLine.Option;

/**
 * {@code --encoder SPEC} of the commands that run a trained model ({@code render}, {@code live}):
 * the encoder to use instead of the one the model names. Used as a picocli mixin.
 */
public final class EncoderOverride {
  @Option(
      names = "--encoder",
      paramLabel = "SPEC",
      description =
          "Encoder spec to use instead of the model's own: for a RAVE model file that moved"
              + " (rave:/new/path/model.ts), or a model from an older mvgen whose PCA stayed in"
              + " its dataset (mel?pca=DATASET/latents/ID/pca.npy).")
  String spec;
}
