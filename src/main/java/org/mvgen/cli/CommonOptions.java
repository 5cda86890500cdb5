package org.mvgen.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mvgen.config.Config;
import org.mvgen.config.ConfigException;
import picocli.CommandLine.Option;

/**
 * Options every command shares: the config file, {@code --set} overrides and {@code --verbose}.
 * Used as a picocli mixin.
 */
public final class CommonOptions {
  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "TOML config file (default: ./" + Config.DEFAULT_FILE + " when it exists).")
  Path configFile;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override one setting, e.g. --set video.fps=30 (repeatable).")
  List<String> assignments = new ArrayList<>();

  @Option(
      names = {"-v", "--verbose"},
      description = "Print stack traces of errors and more log detail.")
  boolean verbose;

  /** Defaults, then the config file, then {@code --set}; commands add their own options on top. */
  public Config config() throws ConfigException {
    Config c = Config.load(configFile);
    for (String a : assignments) {
      c = c.withAssignment(a, "--set");
    }
    return c;
  }

  /** Applies a command-specific option when the user gave it. */
  public static Config override(Config c, String key, Object value, String option)
      throws ConfigException {
    if (value == null) {
      return c;
    }
    Object v = value;
    if (v instanceof Integer i) {
      v = i.longValue();
    } else if (v instanceof Float f) {
      v = f.doubleValue();
    }
    return c.with(key, v, option);
  }
}
