package org.mvgen.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.generate.GenerateSettings;
import org.mvgen.generate.Model;
import org.mvgen.generate.Renderer;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen render}: turns a song into a music video with a trained model. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    description = {
      "Render a music video for SONG (any audio or video file FFmpeg reads) with a trained model:"
          + " H.264 at video.fps and video.size with the song's audio as AAC, as long as the song,"
          + " picture in sync with sound. The same input and settings give the same file.",
      "Example: mvgen render song.mp3 --model run/model.mvgen -o video.mp4 --start 60 --duration 15"
    })
public final class RenderCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SONG", description = "Audio or video file.")
  Path song;

  @Option(
      names = {"-m", "--model"},
      required = true,
      paramLabel = "BUNDLE",
      description = "Model file written by `mvgen train` (run/model.mvgen).")
  Path model;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "MP4 to write (default: SONG's name with .mp4 in the working directory).")
  Path output;

  @Option(
      names = "--start",
      paramLabel = "SECONDS",
      description = "Start this far into the song (default 0).")
  double start;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Render only this much (default: to the end); for quick previews.")
  double duration;

  @Option(names = "--fps", paramLabel = "N", description = "Frames per second (video.fps).")
  Integer fps;

  @Option(names = "--size", paramLabel = "PX", description = "Frame side in pixels (video.size).")
  Integer size;

  @Mixin EncoderOverride encoder;

  @Override
  public Integer call() throws Exception {
    Config c = common.config();
    c = CommonOptions.override(c, "video.fps", fps, "--fps");
    c = CommonOptions.override(c, "video.size", size, "--size");
    if (start < 0 || duration < 0) {
      throw new org.mvgen.generate.GenerateException(
          "--start (" + start + ") and --duration (" + duration + ") must not be negative.");
    }
    Path out = output;
    if (out == null) {
      String name = song.getFileName().toString();
      int dot = name.lastIndexOf('.');
      out = Path.of((dot > 0 ? name.substring(0, dot) : name) + ".mp4");
      if (out.toAbsolutePath().equals(song.toAbsolutePath())) {
        out = Path.of((dot > 0 ? name.substring(0, dot) : name) + "-mvgen.mp4");
      }
    }
    var req =
        new Renderer.Request(
            song,
            out,
            start,
            duration,
            GenerateSettings.render(c),
            GenerateSettings.crf(c),
            GenerateSettings.preset(c));
    var pw = spec.commandLine().getOut();
    try (Model m = Model.open(model, encoder.spec, null, c)) {
      // On Ctrl-C the renderer stops and deletes its unfinished file; this hook holds the JVM
      // until main has also said so.
      Thread hook = new Thread(() -> Main.awaitOutput(10), "mvgen-render-output");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        Renderer.Result r =
            Renderer.render(req, m.encoder(), m.generator(), ProgressBars.console(System.err));
        if (r.interrupted()) {
          pw.printf(
              "Interrupted after %.1f s of the song: nothing was written%s.%n",
              r.seconds(), java.nio.file.Files.exists(out) ? " (" + out + " is as it was)" : "");
          pw.flush();
          return Main.Exit.INTERRUPTED;
        }
        pw.printf(
            "Wrote %s: %d frames, %.1f s at %d fps, %dx%d, rendered at %.1fx real time%n",
            r.output(),
            r.frames(),
            r.seconds(),
            req.settings().fps(),
            req.settings().size(),
            req.settings().size(),
            r.realTimeFactor());
        pw.flush();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // Ctrl-C: the hook waits for main to print.
        }
      }
    }
    return Main.Exit.OK;
  }
}
