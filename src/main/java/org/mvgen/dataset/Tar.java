package org.mvgen.dataset;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The POSIX ustar subset that WebDataset shards use: regular files with short names, written in a
 * stream and read by {@code tar}, Python's {@code tarfile} and {@code webdataset}. Member times are
 * fixed at 0 so that the same input gives byte-identical shards.
 */
public final class Tar {
  static final int BLOCK = 512;

  private Tar() {}

  /** A member of a tar file: its name and where its data lies. */
  public record Member(String name, long dataOffset, long size) {}

  /** Writes members one after another; tracks offsets so an index can point into the file. */
  public static final class Writer implements AutoCloseable {
    private final OutputStream out;
    private long position;
    private boolean finished;

    public Writer(OutputStream out) {
      this.out = out;
    }

    /** Appends one file; returns the offset of its data in the tar. */
    public long add(String name, byte[] data) throws IOException {
      out.write(header(name, data.length));
      long dataOffset = position + BLOCK;
      out.write(data);
      int pad = (int) ((BLOCK - data.length % BLOCK) % BLOCK);
      out.write(new byte[pad]);
      position = dataOffset + data.length + pad;
      return dataOffset;
    }

    /** Writes the end-of-archive marker (two zero blocks). */
    public void finish() throws IOException {
      if (!finished) {
        out.write(new byte[2 * BLOCK]);
        position += 2 * BLOCK;
        finished = true;
      }
      out.flush();
    }

    public long position() {
      return position;
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  static byte[] header(String name, long size) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length > 100) {
      throw new IllegalArgumentException("tar member name longer than 100 bytes: " + name);
    }
    byte[] h = new byte[BLOCK];
    System.arraycopy(n, 0, h, 0, n.length);
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 0);
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    h[156] = '0';
    byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, h, 257, magic.length);
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    h[155] = ' ';
    return h;
  }

  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > len - 1) {
      throw new IllegalArgumentException("value " + value + " does not fit a tar field");
    }
    s = "0".repeat(len - 1 - s.length()) + s;
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
    h[off + len - 1] = 0;
  }

  /**
   * Lists and verifies every member of a tar file: header checksums, sizes within the file, and the
   * end-of-archive marker. Throws with the file, the offset and what is wrong.
   */
  public static List<Member> list(Path file) throws DatasetFormatException {
    List<Member> members = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long pos = 0;
      ByteBuffer block = ByteBuffer.allocate(BLOCK);
      while (true) {
        block.clear();
        if (pos + BLOCK > size || ch.read(block, pos) < BLOCK) {
          throw new DatasetFormatException(
              file + " is truncated at byte " + pos + " (no end-of-archive marker).");
        }
        byte[] h = block.array();
        if (isZero(h)) {
          return members;
        }
        long stored = parseOctal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
          sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (stored != sum) {
          throw new DatasetFormatException(
              file + " has a damaged member header at byte " + pos + " (checksum mismatch).");
        }
        int nameLen = 0;
        while (nameLen < 100 && h[nameLen] != 0) {
          nameLen++;
        }
        String name = new String(h, 0, nameLen, StandardCharsets.UTF_8);
        long len = parseOctal(h, 124, 12);
        long data = pos + BLOCK;
        if (data + len > size) {
          throw new DatasetFormatException(
              file
                  + " is truncated: member "
                  + name
                  + " needs bytes up to "
                  + (data + len)
                  + ", the file has "
                  + size
                  + ".");
        }
        members.add(new Member(name, data, len));
        pos = data + (len + BLOCK - 1) / BLOCK * BLOCK;
      }
    } catch (IOException e) {
      throw new DatasetFormatException("Cannot read shard " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static long parseOctal(byte[] h, int off, int len) {
    long v = 0;
    for (int i = off; i < off + len; i++) {
      byte b = h[i];
      if (b == 0 || b == ' ') {
        if (v != 0 || i > off) {
          if (b == 0) {
            break;
          }
        }
        continue;
      }
      if (b < '0' || b > '7') {
        return -1;
      }
      v = v * 8 + (b - '0');
    }
    return v;
  }
}
