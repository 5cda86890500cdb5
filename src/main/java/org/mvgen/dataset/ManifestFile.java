package org.mvgen.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mvgen.util.Json;

/**
 * Reads {@code manifest.json} for every command that uses a dataset, so that all of them refuse the
 * same things in the same words: a file that is not JSON, not an mvgen manifest, or of a format
 * version this mvgen does not read. The version is checked before the record is mapped, so a newer
 * manifest is never half-read (and then rewritten as an older version by an ingest).
 */
public final class ManifestFile {
  private ManifestFile() {}

  /** Reads and checks the manifest of dataset folder {@code dir} (which must exist). */
  public static Manifest read(Path dir) throws DatasetFormatException {
    Path mf = dir.resolve(Manifest.FILE);
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(Files.readAllBytes(mf));
    } catch (IOException e) {
      throw new DatasetFormatException(
          mf + " is not a readable manifest (" + Json.reason(e) + "). " + advice(dir), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new DatasetFormatException(
          mf + " is not a readable manifest (it holds no JSON object). " + advice(dir));
    }
    if (!Manifest.FORMAT.equals(tree.path("format").asText(null))) {
      throw new DatasetFormatException(
          mf
              + " is not an mvgen dataset manifest (its \"format\" is not \""
              + Manifest.FORMAT
              + "\"). Give the folder that 'mvgen ingest --out' made.");
    }
    JsonNode v = tree.path("version");
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new DatasetFormatException(
          mf + " has no valid format \"version\" (found " + v + "). " + advice(dir));
    }
    int version = v.asInt();
    if (version > Manifest.VERSION) {
      throw new NewerFormatException(
          "Dataset "
              + dir
              + " is of format version "
              + version
              + "; this mvgen reads format version "
              + Manifest.VERSION
              + " only. Update mvgen to a version that reads it; nothing was changed.");
    }
    if (version < 1) {
      throw new DatasetFormatException(
          mf + " has format version " + version + ", which no mvgen wrote. " + advice(dir));
    }
    try {
      return Json.MAPPER.treeToValue(tree, Manifest.class);
    } catch (IOException | RuntimeException e) {
      throw new DatasetFormatException(
          mf + " is not a readable manifest (" + Json.reason(e) + "). " + advice(dir), e);
    }
  }

  /** A dataset of a format version newer than this mvgen reads: every command refuses it. */
  public static final class NewerFormatException extends DatasetFormatException {
    NewerFormatException(String message) {
      super(message);
    }
  }

  private static String advice(Path dir) {
    return "Run 'mvgen dataset check "
        + dir
        + "'; an interrupted ingest is completed by running it again with the same inputs.";
  }
}
