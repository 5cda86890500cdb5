package org.mvgen.train;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The processes of one data-parallel run as the loop sees them: rank, size and the few collective
 * operations it needs. {@code org.mvgen.train.dist} implements it on libtorch's c10d (Gloo, NCCL).
 * A failed collective (a rank died, the network broke, the timeout passed) throws {@link
 * RankLostException}, naming this rank and, when it can tell, the rank that failed.
 */
public interface Collective extends AutoCloseable {
  int rank();

  int size();

  /** Overwrites {@code tensors} on every rank with rank 0's values. */
  void broadcast(List<Tensor> tensors);

  /** Replaces the gradients of {@code params} by their average over the ranks. */
  void averageGradients(List<Tensor> params);

  /** The element-wise sum of {@code values} over the ranks. */
  double[] sum(double[] values);

  /**
   * Wall time spent averaging gradients so far (copies, the allreduce and any wait for a slower
   * rank) in nanoseconds, and the number of averagings: for benchmarks.
   */
  default long[] gradientAveraging() {
    return new long[] {0, 0};
  }

  /** Records that this rank stopped on an error, for the others' messages. */
  void reportFailure(String message);

  @Override
  void close();
}
