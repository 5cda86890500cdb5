package org.mvgen.generate;

/**
 * Mono float audio at a fixed rate, read in order: a decoded song, a microphone, a file played in
 * real time. The pipeline reads it on its own worker thread.
 */
public interface AudioSource extends AutoCloseable {
  /** Sample rate in Hz. */
  int sampleRate();

  /**
   * Reads up to {@code len} samples into {@code dst}, blocking until at least one is available.
   * Returns the number read, or -1 at the end of the stream (only finite sources end).
   *
   * @throws GenerateException when the device failed or disappeared
   */
  int read(float[] dst, int off, int len) throws GenerateException, InterruptedException;

  /**
   * The {@link System#nanoTime()} at which sample {@code index} entered the machine, for latency
   * measurement; {@code Long.MIN_VALUE} for sources that are not real time (a file rendered
   * offline).
   */
  default long arrivalNanos(long index) {
    return Long.MIN_VALUE;
  }

  @Override
  void close();
}
