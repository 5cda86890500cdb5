package org.mvgen.dataset;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mvgen.util.AtomicFiles;

/**
 * NumPy {@code .npy} files (format version 1.0, little-endian, C order) of 2-D {@code float32} or
 * {@code int64} arrays: what {@code numpy.load} reads and the Python prototype wrote.
 *
 * <pre>
 * Npy.writeFloat32(path, data, rows, cols);
 * Npy.Array a = Npy.read(path);   // memory-mapped
 * float v = a.getFloat(row * a.cols() + col);
 * </pre>
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** Room for any 2-D shape, so a streaming writer can patch the header in place. */
  private static final int HEADER_BYTES = 128;

  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|]?)([a-z])(\\d+)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  /** Element type of an array. */
  public enum DType {
    FLOAT32("<f4", 4),
    INT64("<i8", 8);

    final String descr;
    final int bytes;

    DType(String descr, int bytes) {
      this.descr = descr;
      this.bytes = bytes;
    }
  }

  private Npy() {}

  /** Writes a {@code [rows, cols]} float32 array atomically. */
  public static void writeFloat32(Path file, float[] data, int rows, int cols) throws IOException {
    checkSize(data.length, rows, cols);
    try (Writer w = new Writer(file, DType.FLOAT32, cols)) {
      for (int r = 0; r < rows; r++) {
        w.writeRow(data, r * cols);
      }
      w.commit();
    }
  }

  /** Writes a {@code [rows, cols]} int64 array atomically. */
  public static void writeInt64(Path file, long[] data, int rows, int cols) throws IOException {
    checkSize(data.length, rows, cols);
    try (Writer w = new Writer(file, DType.INT64, cols)) {
      for (int r = 0; r < rows; r++) {
        w.writeRow(data, r * cols);
      }
      w.commit();
    }
  }

  private static void checkSize(int length, int rows, int cols) {
    if ((long) rows * cols != length) {
      throw new IllegalArgumentException(
          "data has "
              + length
              + " values, shape ["
              + rows
              + ", "
              + cols
              + "] needs "
              + rows * cols);
    }
  }

  /**
   * Streams rows of unknown count into a {@code .npy}: written to a temporary name, the row count
   * patched into the header and the file renamed on {@link #commit}. Closing without commit deletes
   * the temporary file.
   */
  public static final class Writer implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final DType dtype;
    private final int cols;
    private final OutputStream out;
    private final ByteBuffer row;
    private long rows;
    private boolean closed;

    public Writer(Path target, DType dtype, int cols) throws IOException {
      if (cols <= 0) {
        throw new IllegalArgumentException("cols (" + cols + ") must be positive");
      }
      this.target = target;
      this.tmp = AtomicFiles.temporary(target);
      this.dtype = dtype;
      this.cols = cols;
      Files.createDirectories(target.toAbsolutePath().getParent());
      this.out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
      this.row = ByteBuffer.allocate(cols * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
      out.write(header(dtype, 0, cols));
    }

    public void writeRow(float[] data, int off) throws IOException {
      if (dtype != DType.FLOAT32) {
        throw new IllegalStateException("writer is " + dtype);
      }
      row.clear();
      for (int i = 0; i < cols; i++) {
        row.putFloat(data[off + i]);
      }
      out.write(row.array());
      rows++;
    }

    public void writeRow(long[] data, int off) throws IOException {
      if (dtype != DType.INT64) {
        throw new IllegalStateException("writer is " + dtype);
      }
      row.clear();
      for (int i = 0; i < cols; i++) {
        row.putLong(data[off + i]);
      }
      out.write(row.array());
      rows++;
    }

    public long rows() {
      return rows;
    }

    /** Finishes the file under its final name. */
    public void commit() throws IOException {
      out.close();
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(header(dtype, rows, cols)), 0);
      }
      AtomicFiles.commit(tmp, target);
      closed = true;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        try {
          out.close(); // may fail when the disk is full: the file goes anyway
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
    }
  }

  private static byte[] header(DType dtype, long rows, int cols) {
    String dict =
        "{'descr': '"
            + dtype.descr
            + "', 'fortran_order': False, 'shape': ("
            + rows
            + ", "
            + cols
            + "), }";
    int len = HEADER_BYTES - MAGIC.length - 2 - 2;
    StringBuilder sb = new StringBuilder(dict);
    while (sb.length() < len - 1) {
      sb.append(' ');
    }
    sb.append('\n');
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) len);
    b.put(sb.toString().getBytes(StandardCharsets.US_ASCII));
    return b.array();
  }

  /** Opens a 2-D (or 1-D, read as one column) array, memory-mapped. */
  public static Array read(Path file) throws DatasetFormatException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Layout l = layout(ch::read, ch.size(), file.toString());
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, l.dataStart, l.bytes);
      map.order(ByteOrder.LITTLE_ENDIAN);
      return new Array(l.dtype, l.rows, l.cols, map);
    } catch (IOException e) {
      throw new DatasetFormatException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads an array from the bytes of a {@code .npy} file held in memory (an entry of a zip, for
   * example); {@code name} says where they came from in messages. The array wraps {@code npy}
   * without copying: the caller must not change it afterwards.
   */
  public static Array read(byte[] npy, String name) throws DatasetFormatException {
    try {
      Layout l =
          layout(
              (dst, pos) -> {
                int n = (int) Math.max(0, Math.min(dst.remaining(), npy.length - pos));
                dst.put(npy, (int) pos, n);
                return n;
              },
              npy.length,
              name);
      ByteBuffer data =
          ByteBuffer.wrap(npy, (int) l.dataStart, (int) l.bytes).slice().asReadOnlyBuffer();
      return new Array(l.dtype, l.rows, l.cols, data.order(ByteOrder.LITTLE_ENDIAN));
    } catch (IOException e) {
      throw new DatasetFormatException("Cannot read " + name + ": " + e.getMessage(), e);
    }
  }

  /** The bytes of a {@code .npy} file of a {@code [rows, cols]} float32 array. */
  public static byte[] float32Bytes(float[] data, int rows, int cols) {
    checkSize(data.length, rows, cols);
    byte[] h = header(DType.FLOAT32, rows, cols);
    ByteBuffer b = ByteBuffer.allocate(h.length + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put(h);
    b.asFloatBuffer().put(data);
    return b.array();
  }

  /** Positional reads, as {@link FileChannel#read(ByteBuffer, long)}. */
  @FunctionalInterface
  private interface ReadAt {
    int read(ByteBuffer dst, long position) throws IOException;
  }

  /** Where the data of a {@code .npy} starts, its type, shape and size in bytes. */
  private record Layout(DType dtype, long rows, int cols, long dataStart, long bytes) {}

  private static Layout layout(ReadAt in, long size, String file)
      throws IOException, DatasetFormatException {
    ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    if (in.read(pre, 0) < 10) {
      throw new DatasetFormatException(file + " is too short to be a .npy file.");
    }
    pre.flip();
    for (byte m : MAGIC) {
      if (pre.get() != m) {
        throw new DatasetFormatException(file + " is not a .npy file (bad magic).");
      }
    }
    int major = pre.get();
    pre.get();
    int headerLen;
    int dataStart;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(pre.getShort());
      dataStart = 10 + headerLen;
    } else {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      in.read(b, 8);
      headerLen = b.flip().getInt();
      dataStart = 12 + headerLen;
    }
    if (headerLen < 0 || dataStart > size) {
      throw new DatasetFormatException(file + " is truncated inside its .npy header.");
    }
    ByteBuffer hb = ByteBuffer.allocate(headerLen);
    in.read(hb, dataStart - headerLen);
    String header = new String(hb.array(), StandardCharsets.US_ASCII);
    Matcher d = DESCR.matcher(header);
    Matcher o = ORDER.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !o.find() || !s.find()) {
      throw new DatasetFormatException(file + " has an unreadable .npy header: " + header.strip());
    }
    if (o.group(1).equals("True")) {
      throw new DatasetFormatException(file + " is in Fortran order; mvgen reads C order only.");
    }
    DType dtype;
    String kind = d.group(2) + d.group(3);
    if (d.group(1).equals(">")) {
      throw new DatasetFormatException(file + " is big-endian; mvgen reads little-endian only.");
    } else if (kind.equals("f4")) {
      dtype = DType.FLOAT32;
    } else if (kind.equals("i8")) {
      dtype = DType.INT64;
    } else {
      throw new DatasetFormatException(
          file + " holds " + kind + " values; mvgen reads float32 (f4) and int64 (i8).");
    }
    String[] dims = s.group(1).split(",");
    long rows;
    long cols;
    try {
      rows = dims.length > 0 && !dims[0].isBlank() ? Long.parseLong(dims[0].strip()) : 1;
      cols = dims.length > 1 && !dims[1].isBlank() ? Long.parseLong(dims[1].strip()) : 1;
    } catch (NumberFormatException e) {
      throw new DatasetFormatException(file + " has an unreadable .npy shape: " + s.group(1), e);
    }
    long bytes = rows * cols * dtype.bytes;
    if (size < dataStart + bytes) {
      throw new DatasetFormatException(
          file
              + " is truncated: shape ("
              + rows
              + ", "
              + cols
              + ") needs "
              + (dataStart + bytes)
              + " bytes, the file has "
              + size
              + ".");
    }
    if (bytes > Integer.MAX_VALUE) {
      throw new DatasetFormatException(file + " is over 2 GiB; split it per source.");
    }
    return new Layout(dtype, rows, (int) cols, dataStart, bytes);
  }

  /**
   * A read-only array, memory-mapped from a file or wrapping bytes in memory. Thread-safe: reads
   * use absolute positions. A mapping stays valid after the file is replaced on disk (it maps the
   * old inode).
   */
  public record Array(DType dtype, long rows, int cols, ByteBuffer data) {
    public float getFloat(long index) {
      return data.getFloat((int) (index * 4));
    }

    public long getLong(long index) {
      return data.getLong((int) (index * 8));
    }

    /** Copies row {@code r} of a float32 array into {@code dst[off ..]}. */
    public void row(long r, float[] dst, int off) {
      int base = (int) (r * cols * 4);
      for (int i = 0; i < cols; i++) {
        dst[off + i] = data.getFloat(base + i * 4);
      }
    }
  }
}
