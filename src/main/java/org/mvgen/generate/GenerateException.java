package org.mvgen.generate;

import org.mvgen.MvgenException;

/**
 * Generation failed in a way a user can act on: no input device, no display, an unreadable song.
 */
public class GenerateException extends MvgenException {
  public GenerateException(String message) {
    super(message);
  }

  public GenerateException(String message, Throwable cause) {
    super(message, cause);
  }
}
