package org.mvgen.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Small zip files of named entries (model bundles, checkpoints), written atomically. */
public final class ZipFiles {
  private ZipFiles() {}

  /**
   * Writes a zip of named entries, sorted by name, under a temporary name that replaces {@code
   * file} only once the zip is complete and flushed.
   */
  public static void write(Path file, Map<String, byte[]> entries) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = AtomicFiles.temporary(file);
    try {
      try (OutputStream os = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(os)) {
        for (Map.Entry<String, byte[]> e : new TreeMap<>(entries).entrySet()) {
          zip.putNextEntry(new ZipEntry(e.getKey()));
          zip.write(e.getValue());
          zip.closeEntry();
        }
      }
      AtomicFiles.commit(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Reads every entry into memory (an empty map for an empty or non-zip file). */
  public static Map<String, byte[]> read(Path file) throws IOException {
    Map<String, byte[]> m = new LinkedHashMap<>();
    try (InputStream is = Files.newInputStream(file);
        ZipInputStream zip = new ZipInputStream(is)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        m.put(e.getName(), zip.readAllBytes());
      }
    }
    return m;
  }
}
