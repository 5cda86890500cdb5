package org.mvgen.encoder;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed encoder spec: {@code kind[:path][?key=value&key=value]}, for example {@code mel}, {@code
 * mel?pca=16}, {@code rave:models/vintage.ts} or {@code rave:models/vintage.ts?mode=sample}.
 *
 * @param kind the encoder family ({@code mel}, {@code rave})
 * @param path the model file, or {@code null} when the kind takes none
 * @param options the {@code key=value} options, in the order given
 */
public record EncoderSpec(String kind, String path, Map<String, String> options) {
  public EncoderSpec {
    if (kind == null || kind.isBlank()) {
      throw new IllegalArgumentException("encoder kind must not be empty");
    }
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  /** Parses a spec string; the message of the exception names the spec and the expected form. */
  public static EncoderSpec parse(String spec) throws EncoderException {
    if (spec == null || spec.isBlank()) {
      throw new EncoderException(
          "No encoder given: use --encoder mel, or --encoder rave:path/to/model.ts");
    }
    String s = spec.strip();
    String query = null;
    int q = s.lastIndexOf('?');
    if (q >= 0) {
      query = s.substring(q + 1);
      s = s.substring(0, q);
    }
    String kind = s;
    String path = null;
    int c = s.indexOf(':');
    if (c >= 0) {
      kind = s.substring(0, c);
      path = s.substring(c + 1);
      if (path.isEmpty()) {
        throw new EncoderException(
            "Encoder spec '" + spec + "' has ':' but no file after it: write " + kind + ":FILE");
      }
    }
    Map<String, String> opts = new LinkedHashMap<>();
    if (query != null && !query.isEmpty()) {
      for (String kv : query.split("&")) {
        int e = kv.indexOf('=');
        if (e <= 0 || e == kv.length() - 1) {
          throw new EncoderException(
              "Encoder spec '"
                  + spec
                  + "': option '"
                  + kv
                  + "' is not of the form key=value (options: kind?key=value&key=value)");
        }
        opts.put(kv.substring(0, e), kv.substring(e + 1));
      }
    }
    return new EncoderSpec(kind.toLowerCase(java.util.Locale.ROOT), path, opts);
  }

  /** An integer option, or {@code fallback} when absent. */
  public int intOption(String key, int fallback) throws EncoderException {
    String v = options.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new EncoderException(
          "Encoder option " + key + "=" + v + " must be a whole number, in spec " + this);
    }
  }

  /** A decimal option, or {@code fallback} when absent. */
  public double doubleOption(String key, double fallback) throws EncoderException {
    String v = options.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new EncoderException(
          "Encoder option " + key + "=" + v + " must be a number, in spec " + this);
    }
  }

  /** Fails when an option other than {@code allowed} was given, naming the allowed ones. */
  public void requireOnly(String... allowed) throws EncoderException {
    for (String k : options.keySet()) {
      boolean ok = false;
      for (String a : allowed) {
        ok |= a.equals(k);
      }
      if (!ok) {
        throw new EncoderException(
            "Encoder '"
                + kind
                + "' has no option '"
                + k
                + "' (spec "
                + this
                + "); its options are: "
                + String.join(", ", allowed));
      }
    }
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(kind);
    if (path != null) {
      b.append(':').append(path);
    }
    String sep = "?";
    for (Map.Entry<String, String> e : options.entrySet()) {
      b.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = "&";
    }
    return b.toString();
  }
}
