package org.mvgen.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Loader;

/**
 * Runs the {@code ffmpeg} program that ships inside the FFmpeg natives jar (extracted by JavaCPP
 * into its cache), so mvgen never depends on a system FFmpeg. Used for filter graphs that are
 * easier to express as an ffmpeg command line (test and demo media, audio visualisations).
 */
public final class FfmpegProgram {
  private FfmpegProgram() {}

  /**
   * Path of the bundled {@code ffmpeg} executable.
   *
   * @throws MediaDecodeException when a system library it links to is missing
   */
  public static String path() throws MediaDecodeException {
    try {
      return Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
    } catch (UnsatisfiedLinkError e) {
      String m = String.valueOf(e.getMessage());
      String hint =
          m.contains("libpulse")
              ? " It needs the PulseAudio client library: apt-get install libpulse0 (Debian,"
                  + " Ubuntu) or dnf install pulseaudio-libs (Fedora)."
              : "";
      throw new MediaDecodeException(
          "The ffmpeg program bundled with mvgen cannot start: " + m + "." + hint, e);
    }
  }

  /**
   * Runs {@code ffmpeg -hide_banner -nostdin -loglevel error -y ARGS} and waits for it.
   *
   * @throws MediaDecodeException with ffmpeg's own messages when it fails
   */
  public static void run(List<String> args) throws MediaDecodeException {
    List<String> cmd =
        new ArrayList<>(List.of(path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"));
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      if (code != 0) {
        throw new MediaDecodeException(
            "ffmpeg failed (exit "
                + code
                + ") for: "
                + String.join(" ", args)
                + "\n"
                + out.strip());
      }
    } catch (IOException e) {
      throw new MediaDecodeException("Cannot run the bundled ffmpeg: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MediaDecodeException("Interrupted while running ffmpeg", e);
    }
  }
}
