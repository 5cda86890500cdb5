package org.mvgen.config;

import org.mvgen.MvgenException;

/** A setting that is unknown, of the wrong type or out of range, or a config file that is bad. */
public class ConfigException extends MvgenException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
