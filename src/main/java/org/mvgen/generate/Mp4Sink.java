package org.mvgen.generate;

import java.nio.file.Path;
import org.mvgen.media.Mp4Writer;

/**
 * Writes the pipeline's audio and frames into an MP4 file through {@link Mp4Writer}. Frames the
 * pipeline skipped (live) are filled by repeating the last frame, so picture stays in sync with
 * sound in the file. {@link #close()} finishes the file; {@link #abort()} leaves nothing.
 */
public final class Mp4Sink implements FrameSink {
  private final Mp4Writer writer;
  private final int frameBytes;
  private final byte[] last;
  private boolean haveLast;
  private long next;

  /** Writes {@code target} atomically: it appears, complete, on {@link #close()}. */
  public Mp4Sink(Path target, Mp4Writer.Settings settings) throws GenerateException {
    this(target, settings, false);
  }

  /**
   * Writes a live recording at {@code target} itself, playable up to the last second should the
   * process die ({@link Mp4Writer#openRecording}).
   */
  static Mp4Sink recording(Path target, Mp4Writer.Settings settings) throws GenerateException {
    return new Mp4Sink(target, settings, true);
  }

  private Mp4Sink(Path target, Mp4Writer.Settings settings, boolean recording)
      throws GenerateException {
    try {
      this.writer =
          recording ? Mp4Writer.openRecording(target, settings) : Mp4Writer.open(target, settings);
    } catch (Mp4Writer.WriteException e) {
      throw new GenerateException(e.getMessage(), e.getCause());
    }
    this.frameBytes = settings.width() * settings.height() * 3;
    this.last = new byte[frameBytes];
  }

  public Path target() {
    return writer.target();
  }

  /** Frames written to the file so far, repeats included. */
  public long frames() {
    return writer.frames();
  }

  @Override
  public synchronized void audio(float[] pcm, int off, int len) throws GenerateException {
    try {
      writer.writeAudio(pcm, off, len);
    } catch (Mp4Writer.WriteException e) {
      throw new GenerateException(e.getMessage(), e.getCause());
    }
  }

  @Override
  public synchronized void frame(long k, byte[] rgb, int off) throws GenerateException {
    try {
      while (haveLast && next < k) {
        writer.writeFrame(last, 0);
        next++;
      }
      writer.writeFrame(rgb, off);
      System.arraycopy(rgb, off, last, 0, frameBytes);
      haveLast = true;
      next = k + 1;
    } catch (Mp4Writer.WriteException e) {
      throw new GenerateException(e.getMessage(), e.getCause());
    }
  }

  @Override
  public synchronized void close() throws GenerateException {
    try {
      writer.close();
    } catch (Mp4Writer.WriteException e) {
      throw new GenerateException(e.getMessage(), e.getCause());
    }
  }

  /** Deletes the unfinished file. */
  public synchronized void abort() {
    writer.abort();
  }
}
