package org.mvgen.encoder;

import java.nio.file.Path;
import org.mvgen.config.Config;

/**
 * Opens the encoders of one kind ({@code mel}, {@code rave}). Implementations outside this package
 * register through {@code META-INF/services/org.mvgen.encoder.EncoderFactory}, so that this package
 * does not depend on the packages that implement it.
 */
public interface EncoderFactory {
  /** The kind before the ':' of a spec. */
  String kind();

  /**
   * Opens an encoder; relative paths in the spec are resolved against {@code base} (the working
   * directory, or the dataset folder for specs stored in a manifest).
   */
  AudioEncoder open(EncoderSpec spec, Config config, Path base) throws EncoderException;
}
