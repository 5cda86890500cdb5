package org.mvgen.train;

import org.mvgen.MvgenException;

/** Training diverged (NaN or exploding loss); the last good checkpoint is kept. */
public class DivergenceException extends MvgenException {
  public DivergenceException(String message) {
    super(message);
  }
}
