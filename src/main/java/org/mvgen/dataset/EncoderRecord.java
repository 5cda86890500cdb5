package org.mvgen.dataset;

import java.util.Map;
import java.util.Objects;

/**
 * A set of latents stored in a dataset: which encoder made them and their size.
 *
 * @param id the encoder's stable id; latents live in {@code latents/<id>/}
 * @param spec the spec string the encoder was opened from
 * @param dim values per latent row
 * @param info anything else worth keeping (hop, delay, model file hash); JSON-serialisable
 */
public record EncoderRecord(String id, String spec, int dim, Map<String, Object> info) {
  public EncoderRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spec, "spec");
    if (!id.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("encoder id (" + id + ") must be letters, digits, . _ -");
    }
    if (dim <= 0) {
      throw new IllegalArgumentException("dim (" + dim + ") must be positive");
    }
    info = info == null ? Map.of() : Map.copyOf(info);
  }
}
