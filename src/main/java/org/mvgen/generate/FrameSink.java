package org.mvgen.generate;

/**
 * Where generated frames go: an MP4 file, a window, a test's list. Called on the pipeline's worker
 * thread, frame after frame in increasing order (a live pipeline may skip indices it dropped).
 */
public interface FrameSink extends AutoCloseable {
  /**
   * The audio that entered the pipeline, in order, before the frames it produced: a sink that
   * writes a file with sound keeps it. The buffer is reused after the call returns.
   */
  default void audio(float[] pcm, int off, int len) throws GenerateException {}

  /**
   * Frame {@code k} (shown at {@code k / fps} s): packed RGB, {@code size * size * 3} bytes from
   * {@code off}. The buffer belongs to the pipeline and is reused after the call returns.
   */
  void frame(long k, byte[] rgb, int off) throws GenerateException;

  /** Finishes the output; idempotent. */
  @Override
  default void close() throws GenerateException {}
}
