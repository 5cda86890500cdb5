package org.mvgen.rave.data;

/**
 * What decides the content of a RAVE data folder; fixed when the folder is created (a later run
 * with other values is refused rather than mixing two kinds of example).
 *
 * @param sampleRate rate of the stored audio in Hz (mono)
 * @param exampleLength samples per example
 * @param format how samples are stored
 * @param minTail fraction of an example, in [0, 1]: the end of an input shorter than one example
 *     becomes a last example (the input's final {@code exampleLength} samples, overlapping the one
 *     before) when it is at least this long, and is dropped otherwise; 1 always drops it
 * @param silenceDb examples whose RMS level is below this many dBFS are dropped as silence
 *     (all-zero examples always are)
 */
public record RaveDataParams(
    int sampleRate, int exampleLength, SampleFormat format, double minTail, double silenceDb) {
  public RaveDataParams {
    if (sampleRate < 8000 || sampleRate > 384000) {
      throw new IllegalArgumentException(
          "rave.sample_rate (" + sampleRate + ") must be between 8000 and 384000 Hz");
    }
    if (exampleLength < 256 || exampleLength > (1 << 24)) {
      throw new IllegalArgumentException(
          "rave.example_length (" + exampleLength + ") must be between 256 and 16777216 samples");
    }
    if (format == null) {
      throw new IllegalArgumentException("rave.sample_format is missing");
    }
    if (!(minTail >= 0 && minTail <= 1)) {
      throw new IllegalArgumentException("rave.min_tail (" + minTail + ") must be in 0..1");
    }
    if (!(silenceDb <= 0)) {
      throw new IllegalArgumentException(
          "rave.silence_db (" + silenceDb + ") must be 0 or below (dBFS)");
    }
  }

  /** Length of one example in seconds. */
  public double exampleSeconds() {
    return exampleLength / (double) sampleRate;
  }

  /** Bytes of one stored example. */
  public long exampleBytes() {
    return (long) exampleLength * format.bytes();
  }
}
