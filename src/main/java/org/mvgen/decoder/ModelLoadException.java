package org.mvgen.decoder;

import org.mvgen.MvgenException;

/** A model bundle or checkpoint could not be read or does not fit what it is used with. */
public class ModelLoadException extends MvgenException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
