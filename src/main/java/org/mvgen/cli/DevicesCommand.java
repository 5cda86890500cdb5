package org.mvgen.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.mvgen.generate.CaptureSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code mvgen devices}: lists the audio inputs {@code mvgen live --input} can use. */
@Command(
    name = "devices",
    mixinStandardHelpOptions = true,
    description = "List the audio input devices that `mvgen live --input NAME` can capture from.")
public final class DevicesCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int sr = common.config().getInt("audio.sample_rate");
    var out = spec.commandLine().getOut();
    List<CaptureSource.Device> ds = CaptureSource.devices();
    if (ds.isEmpty()) {
      out.println("No audio input devices found.");
      out.println(
          "Plug in a microphone, or start PulseAudio/PipeWire; on Linux Java Sound sees inputs"
              + " through ALSA (package libasound2-plugins routes ALSA's default to PulseAudio).");
      out.flush();
      return Main.Exit.OK;
    }
    out.printf("Audio inputs (use a name, or a unique part of it, with --input):%n");
    for (CaptureSource.Device d : ds) {
      out.printf(
          "  %-40s %s%s%n",
          d.name(),
          d.description(),
          CaptureSource.supports(d.name(), sr) ? "" : "   [cannot record " + sr + " Hz mono]");
    }
    out.printf("Without --input, `mvgen live` uses the system default input.%n");
    out.flush();
    return Main.Exit.OK;
  }
}
