package org.mvgen.rave;

import java.io.IOException;
import org.mvgen.rave.data.RaveData;
import org.mvgen.rave.model.AudioExamples;

/**
 * The examples of one view of a {@code mvgen rave preprocess} folder ({@link RaveData.View}) as the
 * {@link AudioExamples} a {@link org.mvgen.rave.model.RaveTask} trains on. Reads go straight to the
 * shards (positional, thread-safe); the folder stays the caller's to close.
 */
public final class RaveExamples implements AudioExamples {
  private final RaveData.View view;

  public RaveExamples(RaveData.View view) {
    this.view = view;
  }

  @Override
  public int size() {
    return view.size();
  }

  @Override
  public int length(int i) {
    return view.data().exampleLength();
  }

  @Override
  public void read(int i, int start, float[] dst, int off, int len) throws IOException {
    view.data().crop(view.example(i), start, len, dst, off);
  }
}
