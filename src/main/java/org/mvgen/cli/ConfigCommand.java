package org.mvgen.cli;

import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mvgen config}: shows the effective configuration. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Show the configuration mvgen would use.",
    subcommands = {ConfigCommand.Show.class})
public final class ConfigCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code mvgen config show}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "Print every setting with its effective value and where it came from "
            + "(default, a config file, or the command line).",
        "The output is valid TOML: save it as mvgen.toml to start your own config."
      })
  static final class Show implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--describe", description = "Also print what each setting means.")
    boolean describe;

    @Override
    public Integer call() throws Exception {
      Config c = common.config();
      var out = spec.commandLine().getOut();
      if (!describe) {
        out.print(c.toToml(true));
      } else {
        for (Config.Entry e : c.entries()) {
          out.printf("%s = %s  # %s%n    %s%n", e.key(), e.value(), e.origin(), e.description());
        }
      }
      out.flush();
      return Main.Exit.OK;
    }
  }
}
