package org.mvgen.encoder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mvgen.util.AtomicFiles;

/**
 * Reads and writes 2-D little-endian float32 NumPy {@code .npy} files (format 1.0), the format of
 * latent and PCA files. Small and self-contained so that encoders need no dataset code.
 */
public final class NpyFloat {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),\\s*(\\d+)\\)");

  private NpyFloat() {}

  /** A 2-D float32 array read from a file. */
  public record Matrix(int rows, int cols, float[] data) {}

  /** Writes {@code data} as float32 {@code [rows, cols]} atomically (temporary file, rename). */
  public static void write(Path file, float[] data, int rows, int cols) throws IOException {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException(
          "data has " + data.length + " values, not rows * cols = " + rows + " * " + cols);
    }
    String dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    StringBuilder h = new StringBuilder(dict);
    h.append(" ".repeat(pad)).append('\n');
    byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b =
        ByteBuffer.allocate(MAGIC.length + 4 + header.length + data.length * 4)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length).put(header);
    b.asFloatBuffer().put(data);
    AtomicFiles.writeBytes(file, b.array());
  }

  /** Reads a float32 {@code [rows, cols]} file; throws IOException naming the file if it is not. */
  public static Matrix read(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    for (byte m : MAGIC) {
      if (b.remaining() == 0 || b.get() != m) {
        throw new IOException(file + " is not a NumPy .npy file (bad magic)");
      }
    }
    int major = b.get();
    b.get();
    int hlen = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
    String header = new String(all, b.position(), hlen, StandardCharsets.US_ASCII);
    b.position(b.position() + hlen);
    if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
      throw new IOException(file + " is not a C-ordered float32 array: " + header.strip());
    }
    Matcher m = SHAPE.matcher(header);
    if (!m.find()) {
      throw new IOException(file + " is not a 2-D array: " + header.strip());
    }
    int rows = Integer.parseInt(m.group(1));
    int cols = Integer.parseInt(m.group(2));
    if (b.remaining() != (long) rows * cols * 4) {
      throw new IOException(
          file
              + " is truncated: shape ("
              + rows
              + ", "
              + cols
              + ") but "
              + b.remaining()
              + " bytes");
    }
    float[] data = new float[rows * cols];
    b.asFloatBuffer().get(data);
    return new Matrix(rows, cols, data);
  }
}
