package org.mvgen.media;

import org.mvgen.MvgenException;

/** A media file that FFmpeg cannot open or decode, or that lacks a stream a task needs. */
public class MediaDecodeException extends MvgenException {
  public MediaDecodeException(String message) {
    super(message);
  }

  public MediaDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
