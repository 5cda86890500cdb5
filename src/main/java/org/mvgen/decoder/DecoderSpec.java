package org.mvgen.decoder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The architecture of a decoder network: enough to rebuild it before its weights are loaded.
 *
 * <p>The reference architecture (the prototype's): latent → linear → {@code width} channels at
 * {@code frameSize >> depth} pixels square → {@code depth} transposed convolutions (kernel 4,
 * stride 2, padding 1), each doubling the side and halving the channels (never below {@code
 * minWidth}), with batch normalisation and ReLU after every one but the last, which outputs RGB
 * through tanh.
 *
 * @param latentSize values per latent vector
 * @param frameSize side of the square output frame in pixels; {@code frameSize >> depth} must be a
 *     whole number of at least 1
 * @param width channels after the linear layer
 * @param minWidth fewest channels of any hidden layer
 * @param depth number of transposed convolutions
 * @param norm {@code batch} (the reference) or {@code none}
 */
public record DecoderSpec(
    int latentSize, int frameSize, int width, int minWidth, int depth, String norm) {
  public DecoderSpec {
    if (latentSize < 1) {
      throw new IllegalArgumentException("latentSize (" + latentSize + ") must be positive");
    }
    if (depth < 1 || depth > 10) {
      throw new IllegalArgumentException("model.depth (" + depth + ") must be in 1..10");
    }
    if (frameSize < 2 || (frameSize >> depth) < 1 || (frameSize >> depth) << depth != frameSize) {
      throw new IllegalArgumentException(
          "frame size "
              + frameSize
              + " is not a multiple of 2^model.depth (2^"
              + depth
              + "): use a size like 128, 256 or 512, or change model.depth");
    }
    if (width < 1 || minWidth < 1) {
      throw new IllegalArgumentException(
          "model.width (" + width + ") and model.min_width (" + minWidth + ") must be positive");
    }
    if (!norm.equals("batch") && !norm.equals("none")) {
      throw new IllegalArgumentException("model.norm '" + norm + "' must be 'batch' or 'none'");
    }
  }

  /** Side of the first feature map, in pixels. */
  public int startSize() {
    return frameSize >> depth;
  }

  /** Channels entering transposed convolution {@code i} (0-based); RGB after the last. */
  public int channels(int i) {
    if (i >= depth) {
      return 3;
    }
    return Math.max(minWidth, width >> i);
  }

  /** The fields as a JSON-friendly map. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("architecture", "reference");
    m.put("latentSize", latentSize);
    m.put("frameSize", frameSize);
    m.put("width", width);
    m.put("minWidth", minWidth);
    m.put("depth", depth);
    m.put("norm", norm);
    return m;
  }

  /** Reads the map {@link #toMap} wrote. */
  public static DecoderSpec fromMap(Map<?, ?> m) {
    return new DecoderSpec(
        ((Number) m.get("latentSize")).intValue(),
        ((Number) m.get("frameSize")).intValue(),
        ((Number) m.get("width")).intValue(),
        ((Number) m.get("minWidth")).intValue(),
        ((Number) m.get("depth")).intValue(),
        (String) m.get("norm"));
  }
}
