package org.mvgen.rave.data;

import org.mvgen.MvgenException;

/** A RAVE data folder that is missing, incomplete, damaged or of another version; or no input. */
public class RaveDataException extends MvgenException {
  public RaveDataException(String message) {
    super(message);
  }

  public RaveDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
