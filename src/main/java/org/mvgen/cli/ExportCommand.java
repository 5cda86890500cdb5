package org.mvgen.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mvgen.decoder.Decoder;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.TorchScriptExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen export}: writes a trained decoder in a format other tools load. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export a trained decoder. torchscript: a module Python runs with torch.jit.load;"
          + " forward(z) takes raw latents [n, latent size] and returns RGB frames"
          + " [n, 3, size, size] in [-1, 1]."
    })
public final class ExportCommand implements Callable<Integer> {
  /** Export formats. */
  enum Format {
    torchscript
  }

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "Run folder or model.mvgen file.")
  Path run;

  @Option(
      names = "--format",
      defaultValue = "torchscript",
      description = "Format: ${COMPLETION-CANDIDATES}.")
  Format format;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "Output file (default: decoder.pt beside the model).")
  Path out;

  @Override
  public Integer call() throws Exception {
    common.config();
    Path bundle = Files.isDirectory(run) ? run.resolve(DecoderBundle.FILE_NAME) : run;
    Path target = out != null ? out : bundle.toAbsolutePath().resolveSibling("decoder.pt");
    try (Decoder d = DecoderBundle.load(bundle)) {
      switch (format) {
        case torchscript -> TorchScriptExport.export(d, target);
      }
    }
    spec.commandLine()
        .getOut()
        .printf("Wrote %s (TorchScript; in Python: torch.jit.load)%n", target);
    spec.commandLine().getOut().flush();
    return Main.Exit.OK;
  }
}
