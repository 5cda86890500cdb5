package org.mvgen.rave.data;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * How samples are stored in shards, little-endian: {@code INT16} (as RAVE stores its data; half the
 * disk, quantisation noise near -96 dBFS) or {@code FLOAT32} (exactly the decoded samples).
 */
public enum SampleFormat {
  INT16(2, "i16"),
  FLOAT32(4, "f32");

  /** Full scale of {@code INT16}: symmetric, so that -1 and 1 are both exact. */
  static final float INT16_SCALE = 32767f;

  private final int bytes;
  private final String extension;

  SampleFormat(int bytes, String extension) {
    this.bytes = bytes;
    this.extension = extension;
  }

  /** Bytes per stored sample. */
  public int bytes() {
    return bytes;
  }

  /** File extension of shards in this format, without the dot. */
  public String extension() {
    return extension;
  }

  /** Parses {@code int16} or {@code float32} (any case). */
  public static SampleFormat parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "sample format '" + s + "' is not one of int16, float32", e);
    }
  }

  /** The value a sample reads back as after storage: clamped to [-1, 1] and, for int16, rounded. */
  public float quantise(float x) {
    float c = Math.max(-1f, Math.min(1f, x));
    return switch (this) {
      case INT16 -> Math.round(c * INT16_SCALE) / INT16_SCALE;
      case FLOAT32 -> x;
    };
  }

  /** Appends {@code len} samples from {@code src[off ..]} to {@code dst} in this format. */
  void put(float[] src, int off, int len, ByteBuffer dst) {
    switch (this) {
      case INT16 -> {
        for (int i = 0; i < len; i++) {
          float c = Math.max(-1f, Math.min(1f, src[off + i]));
          dst.putShort((short) Math.round(c * INT16_SCALE));
        }
      }
      case FLOAT32 -> {
        for (int i = 0; i < len; i++) {
          dst.putFloat(src[off + i]);
        }
      }
    }
  }

  /** Reads {@code len} samples from {@code src} (positioned) into {@code dst[off ..]}. */
  void get(ByteBuffer src, float[] dst, int off, int len) {
    switch (this) {
      case INT16 -> {
        for (int i = 0; i < len; i++) {
          dst[off + i] = src.getShort() / INT16_SCALE;
        }
      }
      case FLOAT32 -> {
        for (int i = 0; i < len; i++) {
          dst[off + i] = src.getFloat();
        }
      }
    }
  }
}
