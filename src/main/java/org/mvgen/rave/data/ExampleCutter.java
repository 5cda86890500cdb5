package org.mvgen.rave.data;

import java.io.IOException;

/**
 * Cuts a stream of samples into fixed-length examples, in constant memory (two examples' worth).
 * Pure logic: no files, no FFmpeg.
 *
 * <p>Example {@code j} is samples {@code [j·L, (j+1)·L)} of the stream. An example whose RMS level
 * is below the silence threshold is dropped (and counted): RAVE learns little from silence and its
 * spectral loss is badly conditioned on it. At the end, a remainder of at least {@code minTail·L}
 * samples becomes one more example made of the stream's last {@code L} samples (so it overlaps the
 * example before it and needs no padding); a shorter remainder is dropped. A stream shorter than
 * one example gives none.
 */
final class ExampleCutter {
  /** Receives kept examples in order. */
  interface Sink {
    /**
     * Example starting at sample {@code start} of the stream; {@code example} is valid only during
     * the call.
     */
    void example(long start, float[] example) throws IOException;
  }

  private final int length;
  private final double minTail;
  private final double silencePower; // mean square below which an example is silence
  private final Sink sink;
  private float[] cur;
  private float[] prev; // the last complete example (kept or not): the tail overlaps it
  private int filled;
  private long total;
  private boolean havePrev;
  private int kept;
  private int silent;
  private long tailDropped;
  private boolean finished;

  ExampleCutter(int length, double minTail, double silenceDb, Sink sink) {
    this.length = length;
    this.minTail = minTail;
    this.silencePower = Math.pow(10, silenceDb / 10);
    this.sink = sink;
    this.cur = new float[length];
    this.prev = new float[length];
  }

  /** Adds {@code len} samples from {@code samples[0 ..]}. */
  void accept(float[] samples, int len) throws IOException {
    int off = 0;
    while (off < len) {
      int n = Math.min(len - off, length - filled);
      System.arraycopy(samples, off, cur, filled, n);
      filled += n;
      off += n;
      total += n;
      if (filled == length) {
        emit(total - length, cur);
        float[] t = prev;
        prev = cur;
        cur = t;
        havePrev = true;
        filled = 0;
      }
    }
  }

  /** Ends the stream: emits the overlapping tail example when the remainder is long enough. */
  void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    if (filled == 0) {
      return;
    }
    if (!havePrev || filled < minTail * length) {
      tailDropped = filled;
      return;
    }
    // The last L samples: the end of the previous example, then the remainder.
    float[] tail = new float[length];
    System.arraycopy(prev, filled, tail, 0, length - filled);
    System.arraycopy(cur, 0, tail, length - filled, filled);
    emit(total - length, tail);
  }

  private void emit(long start, float[] ex) throws IOException {
    double sum = 0;
    for (float v : ex) {
      sum += (double) v * v;
    }
    double power = sum / ex.length;
    if (power == 0 || power < silencePower) {
      silent++;
      return;
    }
    kept++;
    sink.example(start, ex);
  }

  /** Samples seen. */
  long total() {
    return total;
  }

  int kept() {
    return kept;
  }

  int silent() {
    return silent;
  }

  /**
   * Samples dropped at the end (a remainder shorter than the tail threshold, or a short stream).
   */
  long tailDropped() {
    return tailDropped;
  }

  /** True when the stream was shorter than one example. */
  boolean tooShort() {
    return !havePrev;
  }
}
