package org.mvgen.encoder;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An encoder as a model bundle carries it: a spec that pins every setting the encoder reads from
 * the config, and the small files that spec names (a mel PCA), held in memory. {@link
 * Encoders#open(PortableEncoder, org.mvgen.config.Config, java.nio.file.Path)} opens the same
 * encoder (same id, same latents) from it on any machine, whatever the config and the working
 * directory.
 *
 * <pre>
 * PortableEncoder p = Encoders.portable("mel?pca=latents/mel-64-pca16-1a2b3c4d/pca.npy", c, data);
 * // p.spec():  mel?sr=44100&amp;window=2048&amp;hop=1764&amp;bands=64&amp;fmin=30.0&amp;fmax=16000.0&amp;pca=pca.npy
 * // p.files(): {pca.npy=[the .npy bytes]}
 * </pre>
 *
 * <p>RAVE TorchScript exports ({@code rave:FILE.ts}) are not included: they are large, shared
 * between runs and stay where they are; their spec keeps the path. An mvgen-trained RAVE model
 * ({@code rave:FILE.mvrave}) is included whole, and the spec's path then names its key.
 *
 * @param spec the spec; its file options (or its path) name keys of {@code files}
 * @param files file name (no folders) to content; the caller must not change the arrays
 */
public record PortableEncoder(String spec, Map<String, byte[]> files) {
  public PortableEncoder {
    Objects.requireNonNull(spec, "spec"); // a bad spec is reported when it is opened
    for (String name : files.keySet()) {
      if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
        throw new IllegalArgumentException(
            "encoder file name '" + name + "' must be a plain file name");
      }
    }
    files = Collections.unmodifiableMap(new TreeMap<>(files));
  }
}
