package org.mvgen.media;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What FFmpeg reports about a media file.
 *
 * @param format container format name (e.g. {@code matroska,webm})
 * @param durationMicros container duration, or 0 when unknown
 * @param videoCodec video codec name, or null without a video stream
 * @param width coded width in pixels (0 without video)
 * @param height coded height in pixels (0 without video)
 * @param frameRate the stream's average frame rate (0 when unknown)
 * @param audioCodec audio codec name, or null without an audio stream
 * @param audioRate the stream's own sample rate (0 without audio)
 * @param audioChannels the stream's own channel count (0 without audio)
 */
public record MediaInfo(
    String format,
    long durationMicros,
    String videoCodec,
    int width,
    int height,
    double frameRate,
    String audioCodec,
    int audioRate,
    int audioChannels) {
  public boolean hasVideo() {
    return videoCodec != null;
  }

  public boolean hasAudio() {
    return audioCodec != null;
  }

  /** As a JSON-friendly map for manifests. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", format);
    m.put("duration_s", durationMicros / 1e6);
    if (hasVideo()) {
      m.put("video_codec", videoCodec);
      m.put("width", width);
      m.put("height", height);
      m.put("frame_rate", frameRate);
    }
    if (hasAudio()) {
      m.put("audio_codec", audioCodec);
      m.put("audio_rate", audioRate);
      m.put("audio_channels", audioChannels);
    }
    return m;
  }
}
