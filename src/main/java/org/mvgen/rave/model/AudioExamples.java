package org.mvgen.rave.model;

import java.io.IOException;

/**
 * Training audio for a {@link RaveTask}: numbered mono examples at the model's sample rate, each at
 * least one training crop long. The preprocessed shards of {@code mvgen rave preprocess} are one
 * implementation; {@link #of(float[]...)} holds clips in memory (tests, small runs).
 *
 * <p>Implementations must allow concurrent reads; {@code read} fills {@code dst} and never keeps
 * it.
 */
public interface AudioExamples {
  /** Number of examples. */
  int size();

  /** Samples in example {@code i}. */
  int length(int i);

  /** Copies samples {@code [start, start + len)} of example {@code i} into {@code dst[off...]}. */
  void read(int i, int start, float[] dst, int off, int len) throws IOException;

  /** Clips held in memory (not copied: the caller must not change them). */
  static AudioExamples of(float[]... clips) {
    return new AudioExamples() {
      @Override
      public int size() {
        return clips.length;
      }

      @Override
      public int length(int i) {
        return clips[i].length;
      }

      @Override
      public void read(int i, int start, float[] dst, int off, int len) {
        System.arraycopy(clips[i], start, dst, off, len);
      }
    };
  }
}
