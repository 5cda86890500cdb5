package org.mvgen.generate;

import org.mvgen.media.AudioReader;
import org.mvgen.media.MediaDecodeException;

/**
 * An {@link AudioSource} over a file decoded as it is read ({@link AudioReader}), as fast as asked:
 * what {@code render} reads, in memory that does not grow with the song's length. Closing the
 * source closes the reader.
 */
public final class FileSource implements AudioSource {
  private final AudioReader reader;

  public FileSource(AudioReader reader) {
    this.reader = reader;
  }

  @Override
  public int sampleRate() {
    return reader.sampleRate();
  }

  @Override
  public int read(float[] dst, int off, int len) throws GenerateException {
    try {
      return reader.read(dst, off, len);
    } catch (MediaDecodeException e) {
      throw new GenerateException(e.getMessage(), e.getCause());
    }
  }

  @Override
  public void close() {
    reader.close();
  }
}
