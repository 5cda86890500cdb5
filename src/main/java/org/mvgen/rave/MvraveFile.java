package org.mvgen.rave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.mvgen.rave.model.RaveAutoencoder;
import org.mvgen.rave.model.RaveConfig;
import org.mvgen.rave.model.RaveWeights;
import org.mvgen.util.Hashing;
import org.mvgen.util.ZipFiles;

/**
 * A trained mvgen RAVE model in one file ({@code .mvrave}): a zip of {@code mvrave.json} (format,
 * version, the {@link RaveConfig}), and the {@link RaveWeights} directory of the model ({@code
 * index.json}, {@code weights.f32}: the folded weights and, when the run fitted them, {@code
 * latent_mean}, {@code latent_pca} and {@code fidelity}). Python reads it with {@code zipfile},
 * {@code json} and {@code numpy} alone.
 *
 * <pre>
 * MvraveFile.write(run.resolve("rave-weights"), Path.of("model.mvrave"));
 * try (RaveAutoencoder m = MvraveFile.load(Path.of("model.mvrave"))) { ... }
 * </pre>
 */
public final class MvraveFile {
  /** The format name in {@code mvrave.json}. */
  public static final String FORMAT = "mvrave";

  /** The format version this mvgen writes and reads. */
  public static final int VERSION = 1;

  static final String META = "mvrave.json";
  static final String INDEX = "index.json";
  static final String DATA = "weights.f32";
  private static final ObjectMapper JSON = new ObjectMapper();

  private MvraveFile() {}

  /**
   * Writes the weights directory {@code weightsDir} ({@link RaveWeights}, as {@code RaveTask}
   * writes {@code RUN/rave-weights}) as one file, atomically.
   */
  public static void write(Path weightsDir, Path out) throws IOException {
    RaveConfig config = RaveWeights.config(weightsDir); // fails naming the folder when it is none
    Path data = weightsDir.resolve(DATA);
    if (!Files.isRegularFile(data)) {
      throw new IOException(data + " does not exist: " + weightsDir + " is incomplete.");
    }
    ObjectNode meta = JSON.createObjectNode();
    meta.put("format", FORMAT);
    meta.put("version", VERSION);
    meta.set("config", JSON.valueToTree(config));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put(META, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
    entries.put(INDEX, Files.readAllBytes(weightsDir.resolve(INDEX)));
    entries.put(DATA, Files.readAllBytes(data));
    ZipFiles.write(out, entries);
  }

  /** The entries of a {@code .mvrave} file, checked; {@code name} names it in messages. */
  static Map<String, byte[]> entries(byte[] zip, String name) throws IOException {
    Map<String, byte[]> e;
    Path tmp = Files.createTempFile("mvgen-", ".mvrave");
    try {
      Files.write(tmp, zip);
      e = ZipFiles.read(tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return check(e, name);
  }

  private static Map<String, byte[]> check(Map<String, byte[]> e, String name) throws IOException {
    if (!e.containsKey(META) || !e.containsKey(INDEX) || !e.containsKey(DATA)) {
      throw new IOException(
          name
              + " is not an mvgen RAVE model (a .mvrave zip with "
              + META
              + ", "
              + INDEX
              + " and "
              + DATA
              + "): write it with 'mvgen rave export RUN -o FILE.mvrave'.");
    }
    JsonNode meta = JSON.readTree(e.get(META));
    if (!FORMAT.equals(meta.path("format").asText())) {
      throw new IOException(name + " is not an mvgen RAVE model (its format is not mvrave).");
    }
    int v = meta.path("version").asInt(-1);
    if (v < 1 || v > VERSION) {
      throw new IOException(
          name
              + " is a .mvrave of version "
              + v
              + "; this mvgen reads versions 1 to "
              + VERSION
              + ". Update mvgen, or export the model again with this one.");
    }
    return e;
  }

  /** Loads the model of a {@code .mvrave} file. */
  public static RaveAutoencoder load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          "No RAVE model file "
              + file
              + ": give a .mvrave written by 'mvgen rave export RUN -o FILE.mvrave'.");
    }
    return load(Files.readAllBytes(file), file.toString());
  }

  /** Loads the model of a {@code .mvrave} file's bytes; {@code name} names it in messages. */
  public static RaveAutoencoder load(byte[] zip, String name) throws IOException {
    Map<String, byte[]> e = entries(zip, name);
    Path dir = Files.createTempDirectory("mvgen-mvrave-");
    try {
      Files.write(dir.resolve(INDEX), e.get(INDEX));
      Files.write(dir.resolve(DATA), e.get(DATA));
      try {
        return RaveAutoencoder.load(dir);
      } catch (IOException | RuntimeException x) {
        throw new IOException(name + " cannot be loaded: " + x.getMessage(), x);
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * A short hash of what decides a model's outputs: its config and every weight (the {@code
   * index.json} and {@code weights.f32} of the file), hex.
   */
  public static String contentHash(byte[] zip, String name) throws IOException {
    Map<String, byte[]> e = entries(zip, name);
    MessageDigest md = Hashing.sha256();
    md.update(e.get(INDEX));
    md.update(e.get(DATA));
    return HexFormat.of().formatHex(md.digest()).substring(0, 12);
  }
}
