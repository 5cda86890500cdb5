package org.mvgen;

import java.io.IOException;

/**
 * An I/O failure a user can act on, raised where an {@code IOException} is the contract (reading
 * pairs, audio and images of a dataset from worker threads): a damaged or short stored file, a full
 * disk. Like {@link MvgenException}, the message names the file (and pair) and says what to do; the
 * command line prints it without a stack trace and exits with code 1.
 */
public class MvgenIOException extends IOException {
  public MvgenIOException(String message) {
    super(message);
  }

  public MvgenIOException(String message, Throwable cause) {
    super(message, cause);
  }
}
