package org.mvgen.generate;

/**
 * A bounded ring of float samples between a capture thread (writer) and the pipeline (reader). The
 * writer never blocks: when the reader falls behind by more than the capacity, the oldest samples
 * are dropped and counted, so input latency stays bounded instead of drifting. The reader blocks
 * until samples arrive. Thread-safe for one writer and one reader.
 */
public final class AudioRing {
  private final float[] buf;
  private final int sampleRate;

  /** Total samples ever written, and read (including dropped ones) — absolute stream indices. */
  private long written;

  private long read;
  private long dropped;
  private long lastWriteNanos;
  private boolean ended;
  private Throwable failure;

  public AudioRing(int capacity, int sampleRate) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity (" + capacity + ") must be positive");
    }
    this.buf = new float[capacity];
    this.sampleRate = sampleRate;
  }

  /** Appends samples; drops the oldest unread ones when full. Never blocks. */
  public synchronized void write(float[] src, int off, int len) {
    for (int i = 0; i < len; i++) {
      buf[(int) (written++ % buf.length)] = src[off + i];
    }
    long backlog = written - read;
    if (backlog > buf.length) {
      dropped += backlog - buf.length;
      read = written - buf.length;
    }
    lastWriteNanos = System.nanoTime();
    notifyAll();
  }

  /** Marks the end of the stream, or its failure ({@code cause != null}); wakes the reader. */
  public synchronized void end(Throwable cause) {
    ended = true;
    failure = cause;
    notifyAll();
  }

  /**
   * Reads up to {@code len} samples, blocking until one is there; -1 once ended and drained.
   *
   * @throws GenerateException when the writer ended with a failure
   */
  public synchronized int read(float[] dst, int off, int len)
      throws GenerateException, InterruptedException {
    while (written == read && !ended) {
      wait();
    }
    if (written == read) {
      if (failure != null) {
        throw failure instanceof GenerateException g
            ? g
            : new GenerateException("Audio input failed: " + failure.getMessage(), failure);
      }
      return -1;
    }
    int n = (int) Math.min(len, written - read);
    for (int i = 0; i < n; i++) {
      dst[off + i] = buf[(int) (read++ % buf.length)];
    }
    return n;
  }

  /** Samples dropped because the reader fell behind. */
  public synchronized long dropped() {
    return dropped;
  }

  /** Samples read or dropped: the stream index of the next sample the reader gets. */
  public synchronized long position() {
    return read;
  }

  /** Estimated arrival time of stream sample {@code index}, from the time of the last write. */
  public synchronized long arrivalNanos(long index) {
    return lastWriteNanos - (written - index) * 1_000_000_000L / sampleRate;
  }
}
