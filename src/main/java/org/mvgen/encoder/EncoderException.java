package org.mvgen.encoder;

import org.mvgen.MvgenException;

/** An encoder could not be opened or run: a bad spec, a model file that does not load. */
public class EncoderException extends MvgenException {
  public EncoderException(String message) {
    super(message);
  }

  public EncoderException(String message, Throwable cause) {
    super(message, cause);
  }
}
