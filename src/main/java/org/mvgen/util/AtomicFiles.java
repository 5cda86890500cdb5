package org.mvgen.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader never sees a half-written one: content goes to {@code name.tmp}, is
 * forced to disk, and is renamed over the final name. A crash leaves at worst a {@code .tmp} file,
 * which {@link #isTemporary} recognises so that a later run can delete it.
 */
public final class AtomicFiles {
  public static final String TMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /** The temporary name used while {@code target} is being written. */
  public static Path temporary(Path target) {
    return target.resolveSibling(target.getFileName() + TMP_SUFFIX);
  }

  public static boolean isTemporary(Path p) {
    return p.getFileName().toString().endsWith(TMP_SUFFIX);
  }

  /** Writes {@code text} (UTF-8) to {@code target} atomically. */
  public static void writeString(Path target, String text) throws IOException {
    writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void writeBytes(Path target, byte[] bytes) throws IOException {
    Path tmp = temporary(target);
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(bytes);
    }
    commit(tmp, target);
  }

  /** Forces {@code tmp} to disk and renames it to {@code target}, replacing any old file. */
  public static void commit(Path tmp, Path target) throws IOException {
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
