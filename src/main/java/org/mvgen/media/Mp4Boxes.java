package org.mvgen.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the top-level structure of an MP4 file: its boxes must follow one another to exactly the
 * end of the file, and the index ({@code moov}) and the media ({@code mdat}) must be there. A file
 * whose writing failed part way (a full disk while the muxer finished it) fails this check even
 * when the muxer did not report the error: the sizes its boxes declare no longer match the bytes on
 * disk.
 *
 * <pre>
 * List&lt;String&gt; boxes = Mp4Boxes.check(Path.of("video.mp4"));   // [ftyp, moov, mdat] or throws
 * </pre>
 */
public final class Mp4Boxes {
  private Mp4Boxes() {}

  /** The file is not a complete MP4. */
  public static final class IncompleteException extends IOException {
    IncompleteException(String message) {
      super(message);
    }
  }

  /**
   * Returns the types of the top-level boxes of {@code file}, in order.
   *
   * @throws IncompleteException when the boxes do not tile the file or {@code moov} or {@code mdat}
   *     is missing
   */
  public static List<String> check(Path file) throws IOException {
    List<String> types = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long at = 0;
      ByteBuffer head = ByteBuffer.allocate(16);
      while (at < size) {
        head.clear();
        int n = ch.read(head, at);
        if (n < 8) {
          throw new IncompleteException(
              file + ": " + (size - at) + " stray bytes at the end (offset " + at + ")");
        }
        head.flip();
        long len = Integer.toUnsignedLong(head.getInt());
        byte[] t = new byte[4];
        head.get(t);
        String type = new String(t, StandardCharsets.ISO_8859_1);
        if (len == 1) {
          if (n < 16) {
            throw new IncompleteException(file + ": box '" + type + "' cut off at offset " + at);
          }
          len = head.getLong();
        } else if (len == 0) {
          len = size - at; // the last box runs to the end of the file
        }
        if (len < 8 || at + len > size) {
          throw new IncompleteException(
              file
                  + ": box '"
                  + type
                  + "' at offset "
                  + at
                  + " declares "
                  + len
                  + " bytes but the file ends "
                  + (size - at)
                  + " bytes after its start");
        }
        types.add(type);
        at += len;
      }
    }
    if (!types.contains("moov") || !types.contains("mdat")) {
      throw new IncompleteException(
          file + ": no " + (types.contains("moov") ? "mdat" : "moov") + " box (has " + types + ")");
    }
    return types;
  }
}
