package org.mvgen.encoder;

import java.nio.file.Path;
import java.util.Map;
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

  /**
   * Opens an encoder a model bundle carries: a file the spec names is taken from {@code files}
   * (file name to content) when it is there, else resolved against {@code base}. Kinds whose
   * bundles carry no files need not override this.
   */
  default AudioEncoder open(EncoderSpec spec, Config config, Path base, Map<String, byte[]> files)
      throws EncoderException {
    return open(spec, config, base);
  }

  /**
   * What a model bundle stores of this encoder ({@link Encoders#portable}): by default the spec
   * alone, its model file staying where it is.
   */
  default PortableEncoder portable(EncoderSpec spec, Config config, Path base)
      throws EncoderException {
    return new PortableEncoder(spec.toString(), Map.of());
  }
}
