package org.mvgen.generate;

import java.util.Locale;
import org.mvgen.config.Config;
import org.mvgen.config.ConfigException;

/** Reads the pipeline settings of {@code render} and {@code live} from the configuration. */
public final class GenerateSettings {
  private GenerateSettings() {}

  /** Settings for rendering: {@code video.fps}, {@code video.size} and {@code [generate]}. */
  public static Pipeline.Settings render(Config c) throws ConfigException {
    return settings(c, fps(c, "video.fps"), false);
  }

  /** x264's speed presets, fastest first: what {@code generate.preset} may name. */
  public static final java.util.List<String> PRESETS =
      java.util.List.of(
          "ultrafast",
          "superfast",
          "veryfast",
          "faster",
          "fast",
          "medium",
          "slow",
          "slower",
          "veryslow",
          "placebo");

  /** {@code generate.crf}, checked to be one x264 accepts (0..51). */
  public static int crf(Config c) throws ConfigException {
    int crf = c.getInt("generate.crf");
    if (crf < 0 || crf > 51) {
      throw new ConfigException(
          "generate.crf = "
              + crf
              + " ("
              + c.entry("generate.crf").origin()
              + "): x264's quality runs from 0 (lossless) to 51 (worst); 18 looks lossless, 23 is"
              + " x264's default.");
    }
    return crf;
  }

  /** {@code generate.preset}, checked to be one of {@link #PRESETS}. */
  public static String preset(Config c) throws ConfigException {
    String p = c.getString("generate.preset");
    if (!PRESETS.contains(p)) {
      throw new ConfigException(
          "generate.preset = '"
              + p
              + "' ("
              + c.entry("generate.preset").origin()
              + ") is not an x264 preset: use one of "
              + String.join(", ", PRESETS)
              + " (faster presets make bigger files).");
    }
    return p;
  }

  /** A frame rate setting, checked to be one the video writer accepts (1..240). */
  private static int fps(Config c, String key) throws ConfigException {
    int fps = c.getInt(key);
    if (fps < 1 || fps > org.mvgen.media.Mp4Writer.Settings.MAX_FPS) {
      throw new ConfigException(
          key
              + " = "
              + fps
              + " ("
              + c.entry(key).origin()
              + "): frames per second must be 1 to "
              + org.mvgen.media.Mp4Writer.Settings.MAX_FPS
              + " (25 or 30 for video, 60 live).");
    }
    return fps;
  }

  /**
   * Settings for live: {@code live.fps}, {@code video.size}, {@code [generate]}, {@code [live]}.
   */
  public static Pipeline.Settings live(Config c) throws ConfigException {
    return settings(c, fps(c, "live.fps"), true);
  }

  /**
   * Sets libtorch's threads for live generation from {@code live.threads} (0 leaves libtorch's
   * default). Process-wide: call it in a process that generates live.
   */
  public static void applyLiveThreads(Config c) throws ConfigException {
    int n = c.getInt("live.threads");
    if (n < 0) {
      throw new ConfigException(
          "live.threads = " + n + " (" + c.entry("live.threads").origin() + "): use 0 or more");
    }
    if (n > 0) {
      try {
        org.mvgen.torch.Torch.threads(n);
      } catch (org.mvgen.torch.TorchException e) {
        throw new ConfigException("live.threads: " + e.getMessage());
      }
    }
  }

  private static Pipeline.Settings settings(Config c, int fps, boolean live)
      throws ConfigException {
    String mode = c.getString("generate.interpolation").toUpperCase(Locale.ROOT);
    LatentInterpolator.Mode m;
    try {
      m = LatentInterpolator.Mode.valueOf(mode);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "generate.interpolation = '"
              + c.getString("generate.interpolation")
              + "' ("
              + c.entry("generate.interpolation").origin()
              + "): use \"linear\" or \"hold\"");
    }
    int size = c.getInt("video.size");
    if (size < 2 || size % 2 != 0) {
      throw new ConfigException(
          "video.size = "
              + size
              + " ("
              + c.entry("video.size").origin()
              + "): H.264 in yuv420p needs an even frame size such as 256.");
    }
    try {
      return new Pipeline.Settings(
          fps,
          c.getInt("video.size"),
          c.getDouble("generate.smoothing"),
          c.getInt("generate.batch"),
          live,
          c.getInt("live.max_backlog"),
          m,
          c.getBoolean("generate.exact_windows"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Bad generation settings: " + e.getMessage());
    }
  }
}
