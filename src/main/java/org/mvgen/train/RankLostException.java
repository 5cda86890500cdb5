package org.mvgen.train;

/** A collective operation failed: another rank is gone, or the network between them. */
public final class RankLostException extends RuntimeException {
  public RankLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
