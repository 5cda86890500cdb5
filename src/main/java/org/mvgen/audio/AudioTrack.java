package org.mvgen.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Random access to a mono float WAV file written by {@link WavWriter}: any span of samples, with
 * silence outside the recording. Reads go straight to the file (positional reads, so it is
 * thread-safe and holds no audio in memory).
 */
public final class AudioTrack implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final int sampleRate;
  private final long length;
  private final long dataOffset;

  private AudioTrack(Path file, FileChannel channel, int sampleRate, long length, long dataOffset) {
    this.file = file;
    this.channel = channel;
    this.sampleRate = sampleRate;
    this.length = length;
    this.dataOffset = dataOffset;
  }

  /** Opens a mono 32-bit float WAV file. */
  public static AudioTrack open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(h, 0);
      h.flip();
      if (h.remaining() < 12 || h.getInt(0) != 0x46464952 || h.getInt(8) != 0x45564157) {
        throw new IOException(file + " is not a WAV file");
      }
      long pos = 12;
      int rate = -1;
      while (true) {
        ByteBuffer c = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        if (ch.read(c, pos) < 8) {
          throw new IOException(file + " has no data chunk");
        }
        c.flip();
        int id = c.getInt();
        long size = Integer.toUnsignedLong(c.getInt());
        if (id == 0x20746d66) { // "fmt "
          ByteBuffer f = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
          ch.read(f, pos + 8);
          f.flip();
          int format = Short.toUnsignedInt(f.getShort());
          int channels = f.getShort();
          rate = f.getInt();
          f.getInt();
          f.getShort();
          int bits = f.getShort();
          if (format != 3 || channels != 1 || bits != 32) {
            throw new IOException(
                file
                    + " is not mono 32-bit float (format "
                    + format
                    + ", "
                    + channels
                    + " channels, "
                    + bits
                    + " bits)");
          }
        } else if (id == 0x61746164) { // "data"
          if (rate < 0) {
            throw new IOException(file + " has data before its format chunk");
          }
          long available = (ch.size() - pos - 8) / 4;
          return new AudioTrack(file, ch, rate, Math.min(size / 4, available), pos + 8);
        }
        pos += 8 + size + (size & 1);
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  public int sampleRate() {
    return sampleRate;
  }

  /** Number of samples in the file. */
  public long length() {
    return length;
  }

  /**
   * Copies samples {@code [start, start + len)} into {@code dst[off ..]}; samples outside {@code
   * [0, length())} are zero.
   */
  public void read(long start, float[] dst, int off, int len) throws IOException {
    long from = Math.max(start, 0);
    long to = Math.min(start + len, length);
    java.util.Arrays.fill(dst, off, off + len, 0f);
    if (from >= to) {
      return;
    }
    int n = (int) (to - from);
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    long p = dataOffset + from * 4;
    while (b.hasRemaining()) {
      int r = channel.read(b, p + b.position());
      if (r < 0) {
        throw new IOException(file + " ended early at sample " + (from + b.position() / 4));
      }
    }
    b.flip();
    int o = off + (int) (from - start);
    for (int i = 0; i < n; i++) {
      dst[o + i] = b.getFloat();
    }
  }

  /** Reads samples {@code [start, start + len)} into a new array (zeros outside). */
  public float[] read(long start, int len) throws IOException {
    float[] out = new float[len];
    read(start, out, 0, len);
    return out;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
