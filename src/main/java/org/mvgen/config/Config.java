package org.mvgen.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * The effective configuration: built-in defaults, overridden by a TOML file, overridden by the
 * command line, with the origin of every value kept so that {@code mvgen config show} can explain
 * it.
 *
 * <pre>
 * Config c = Config.load(Path.of("mvgen.toml"));
 * c = c.with("video.fps", 30, "--fps");
 * int fps = c.getInt("video.fps");
 * </pre>
 *
 * <p>Keys are dotted paths ({@code section.name}); the set of keys is fixed by {@code
 * defaults.toml} beside this class, so a misspelt key in a user's file is an error rather than a
 * silently ignored setting. Instances are immutable.
 */
public final class Config {
  /** The file mvgen reads when no {@code --config} is given and it exists in the working folder. */
  public static final String DEFAULT_FILE = "mvgen.toml";

  private static final String DEFAULTS_RESOURCE = "defaults.toml";

  /** One effective value with where it came from and what it means. */
  public record Entry(String key, Object value, String origin, String description) {
    public Entry {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value of " + key);
      Objects.requireNonNull(origin, "origin of " + key);
    }
  }

  private final Map<String, Entry> entries;

  private Config(Map<String, Entry> entries) {
    this.entries = Collections.unmodifiableMap(entries);
  }

  /** The built-in defaults alone. */
  public static Config defaults() {
    try (InputStream in = Config.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("mvgen's built-in " + DEFAULTS_RESOURCE + " is missing");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      TomlParseResult toml = Toml.parse(text);
      if (toml.hasErrors()) {
        throw new IllegalStateException("built-in defaults do not parse: " + toml.errors());
      }
      Map<String, String> descriptions = descriptions(text);
      Map<String, Entry> map = new LinkedHashMap<>();
      // Keep the order of the file, which groups related settings.
      List<String> keys = new ArrayList<>(descriptions.keySet());
      keys.retainAll(toml.dottedKeySet());
      for (String key : keys) {
        Object v = plain(toml.get(key));
        map.put(key, new Entry(key, v, "default", descriptions.getOrDefault(key, "")));
      }
      return new Config(map);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read mvgen's built-in defaults", e);
    }
  }

  /**
   * Defaults overridden by {@code file}; a null file means {@value #DEFAULT_FILE} in the working
   * folder when it exists, else defaults alone.
   */
  public static Config load(Path file) throws ConfigException {
    Config c = defaults();
    if (file == null) {
      Path implicit = Path.of(DEFAULT_FILE);
      return Files.isRegularFile(implicit) ? c.withFile(implicit) : c;
    }
    return c.withFile(file);
  }

  /** This configuration overridden by the values in a TOML file. */
  public Config withFile(Path file) throws ConfigException {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(
          "Config file " + file + " does not exist or is not a file. Check the --config path.");
    }
    TomlParseResult toml;
    try {
      toml = Toml.parse(file);
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage(), e);
    }
    if (toml.hasErrors()) {
      throw new ConfigException(
          "Config file " + file + " is not valid TOML: " + toml.errors().get(0).toString());
    }
    Config c = this;
    for (String key : toml.dottedKeySet()) {
      c = c.with(key, plain(toml.get(key)), file.toString());
    }
    return c;
  }

  /**
   * This configuration with one value replaced. The value must have the type of the default (an
   * integer may stand for a float).
   */
  public Config with(String key, Object value, String origin) throws ConfigException {
    Entry old = entries.get(key);
    if (old == null) {
      throw new ConfigException(
          "Unknown setting '"
              + key
              + "' (from "
              + origin
              + "). Run 'mvgen config show' for the settings mvgen knows.");
    }
    Object v = coerce(key, old.value(), value, origin);
    Map<String, Entry> copy = new LinkedHashMap<>(entries);
    copy.put(key, new Entry(key, v, origin, old.description()));
    return new Config(copy);
  }

  /** This configuration with {@code key=value} text (as given to {@code --set}) applied. */
  public Config withAssignment(String assignment, String origin) throws ConfigException {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          "'" + assignment + "' is not of the form key=value (for example video.fps=30).");
    }
    String key = assignment.substring(0, eq).trim();
    String raw = assignment.substring(eq + 1).trim();
    Entry old = entries.get(key);
    if (old == null) {
      return with(key, raw, origin); // throws the unknown-key message
    }
    Object parsed;
    Object def = old.value();
    try {
      if (def instanceof Long) {
        parsed = Long.parseLong(raw);
      } else if (def instanceof Double) {
        parsed = Double.parseDouble(raw);
      } else if (def instanceof Boolean) {
        if (!raw.equals("true") && !raw.equals("false")) {
          throw new NumberFormatException(raw);
        }
        parsed = Boolean.parseBoolean(raw);
      } else {
        parsed =
            raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")
                ? raw.substring(1, raw.length() - 1)
                : raw;
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "Setting '"
              + key
              + "' (from "
              + origin
              + ") wants "
              + typeName(def)
              + ", got '"
              + raw
              + "'.",
          e);
    }
    return with(key, parsed, origin);
  }

  public boolean has(String key) {
    return entries.containsKey(key);
  }

  public Entry entry(String key) {
    Entry e = entries.get(key);
    if (e == null) {
      throw new IllegalArgumentException("no setting named " + key + " in defaults.toml");
    }
    return e;
  }

  public long getLong(String key) {
    return (Long) entry(key).value();
  }

  public int getInt(String key) {
    long v = getLong(key);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " = " + v + " is out of range");
    }
    return (int) v;
  }

  public double getDouble(String key) {
    return ((Number) entry(key).value()).doubleValue();
  }

  public boolean getBoolean(String key) {
    return (Boolean) entry(key).value();
  }

  public String getString(String key) {
    return (String) entry(key).value();
  }

  /** All entries in the order of {@code defaults.toml}. */
  public List<Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  /** The effective configuration as TOML text, each value annotated with its origin. */
  public String toToml(boolean withOrigins) {
    StringBuilder sb = new StringBuilder();
    String section = null;
    for (Entry e : entries.values()) {
      int dot = e.key().lastIndexOf('.');
      String sec = dot < 0 ? "" : e.key().substring(0, dot);
      String name = e.key().substring(dot + 1);
      if (!sec.equals(section)) {
        if (section != null) {
          sb.append('\n');
        }
        if (!sec.isEmpty()) {
          sb.append('[').append(sec).append("]\n");
        }
        section = sec;
      }
      sb.append(name).append(" = ").append(tomlValue(e.value()));
      if (withOrigins) {
        sb.append("  # ").append(e.origin());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String tomlValue(Object v) {
    if (v instanceof String s) {
      return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
    if (v instanceof List<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(tomlValue(list.get(i)));
      }
      return sb.append(']').toString();
    }
    return String.valueOf(v);
  }

  private static Object coerce(String key, Object def, Object value, String origin)
      throws ConfigException {
    if (def instanceof Double && value instanceof Long l) {
      return l.doubleValue();
    }
    if (def.getClass().equals(value.getClass()) || (def instanceof List && value instanceof List)) {
      return value;
    }
    throw new ConfigException(
        "Setting '"
            + key
            + "' (from "
            + origin
            + ") wants "
            + typeName(def)
            + ", got "
            + typeName(value)
            + " '"
            + value
            + "'.");
  }

  private static String typeName(Object v) {
    if (v instanceof Long) {
      return "an integer";
    }
    if (v instanceof Double) {
      return "a number";
    }
    if (v instanceof Boolean) {
      return "true or false";
    }
    if (v instanceof List) {
      return "a list";
    }
    return "a string";
  }

  private static Object plain(Object tomlValue) {
    if (tomlValue instanceof TomlArray a) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        out.add(plain(a.get(i)));
      }
      return List.copyOf(out);
    }
    if (tomlValue instanceof TomlTable) {
      throw new IllegalStateException("nested tables are not settings");
    }
    return tomlValue;
  }

  /** Maps each key to the comment lines directly above it in the defaults file. */
  private static Map<String, String> descriptions(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    String section = "";
    StringBuilder comment = new StringBuilder();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.startsWith("[") && t.endsWith("]")) {
        section = t.substring(1, t.length() - 1).strip();
        comment.setLength(0);
      } else if (t.startsWith("#")) {
        comment.append(comment.length() == 0 ? "" : " ").append(t.substring(1).strip());
      } else if (t.contains("=")) {
        String name = t.substring(0, t.indexOf('=')).strip();
        out.put(section.isEmpty() ? name : section + "." + name, comment.toString());
        comment.setLength(0);
      } else {
        comment.setLength(0);
      }
    }
    return out;
  }
}
