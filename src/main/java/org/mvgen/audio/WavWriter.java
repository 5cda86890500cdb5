package org.mvgen.audio;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.mvgen.util.AtomicFiles;

/**
 * Streams mono 32-bit float audio into a WAV file (format tag 3, IEEE float): lossless for
 * everything mvgen computes, and read by every audio tool. Written under a temporary name; {@link
 * #commit} patches the sizes into the header and renames it; closing without commit deletes it. Not
 * thread-safe.
 */
public final class WavWriter implements AutoCloseable {
  static final int HEADER_BYTES = 44;

  private final Path target;
  private final Path tmp;
  private final int sampleRate;
  private final OutputStream out;
  private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
  private long samples;
  private boolean closed;

  public WavWriter(Path target, int sampleRate) throws IOException {
    this.target = target;
    this.tmp = AtomicFiles.temporary(target);
    this.sampleRate = sampleRate;
    Files.createDirectories(target.toAbsolutePath().getParent());
    this.out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
    out.write(header(sampleRate, 0));
  }

  /** Appends {@code len} samples from {@code pcm[off ..]}. */
  public void write(float[] pcm, int off, int len) throws IOException {
    for (int i = 0; i < len; i++) {
      if (buf.remaining() < 4) {
        flushBuffer();
      }
      buf.putFloat(pcm[off + i]);
    }
    samples += len;
  }

  /** Appends {@code n} samples of silence. */
  public void writeSilence(long n) throws IOException {
    for (long i = 0; i < n; i++) {
      if (buf.remaining() < 4) {
        flushBuffer();
      }
      buf.putFloat(0f);
    }
    samples += n;
  }

  public long samples() {
    return samples;
  }

  private void flushBuffer() throws IOException {
    out.write(buf.array(), 0, buf.position());
    buf.clear();
  }

  /** Completes the file under its final name. */
  public void commit() throws IOException {
    flushBuffer();
    out.close();
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(header(sampleRate, samples)), 0);
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

  static byte[] header(int sampleRate, long samples) {
    long dataBytes = samples * 4;
    if (dataBytes > 0xFFFF_FFFFL - 36) {
      throw new IllegalStateException("audio too long for a WAV file: " + samples + " samples");
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {'R', 'I', 'F', 'F'}).putInt((int) (36 + dataBytes));
    b.put(new byte[] {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '}).putInt(16);
    b.putShort((short) 3).putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 4);
    b.putShort((short) 4).putShort((short) 32);
    b.put(new byte[] {'d', 'a', 't', 'a'}).putInt((int) dataBytes);
    return b.array();
  }
}
