package org.mvgen.dataset;

import org.mvgen.MvgenException;

/** A dataset folder that is missing, incomplete, damaged or of another format version. */
public class DatasetFormatException extends MvgenException {
  public DatasetFormatException(String message) {
    super(message);
  }

  public DatasetFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
