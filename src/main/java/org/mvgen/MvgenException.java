package org.mvgen;

/**
 * A failure a user can act on: bad input, a missing file, a model that does not fit. The message
 * names the file or value and says what to do; the command line prints it without a stack trace
 * (unless {@code --verbose}) and exits non-zero.
 */
public class MvgenException extends Exception {
  public MvgenException(String message) {
    super(message);
  }

  public MvgenException(String message, Throwable cause) {
    super(message, cause);
  }
}
