package org.mvgen.cli;

import java.util.concurrent.Callable;
import org.mvgen.media.FfmpegProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mvgen ffmpeg-path}: where the bundled ffmpeg program is, for scripts and benchmarks. */
@Command(
    name = "ffmpeg-path",
    mixinStandardHelpOptions = true,
    description = {
      "Print the path of the ffmpeg program bundled with mvgen (from the FFmpeg natives jar).",
      "It needs libpulse.so.0 on Linux (Debian: apt-get install libpulse0)."
    })
public final class FfmpegPathCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    spec.commandLine().getOut().println(FfmpegProgram.path());
    spec.commandLine().getOut().flush();
    return Main.Exit.OK;
  }
}
