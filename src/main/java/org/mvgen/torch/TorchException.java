package org.mvgen.torch;

import org.mvgen.MvgenException;

/** libtorch could not be loaded or used as asked: a foreign libtorch, a missing CUDA build. */
public class TorchException extends MvgenException {
  public TorchException(String message) {
    super(message);
  }

  public TorchException(String message, Throwable cause) {
    super(message, cause);
  }
}
