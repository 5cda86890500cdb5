package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.config.ConfigException;
import org.mvgen.rave.data.Preprocess;
import org.mvgen.rave.data.PreprocessConfig;
import org.mvgen.rave.data.RaveDataParams;
import org.mvgen.rave.data.RaveManifest;
import org.mvgen.rave.data.RaveSplit;
import org.mvgen.rave.data.SampleFormat;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen rave}: mvgen's own RAVE autoencoder: prepare audio, train, export, reconstruct. */
@Command(
    name = "rave",
    mixinStandardHelpOptions = true,
    description = "Train mvgen's own RAVE audio autoencoder on your music.",
    subcommands = {
      RaveCommand.PreprocessCommand.class,
      RaveTrainCommand.class,
      RaveExportCommand.class,
      RaveReconstructCommand.class
    })
public final class RaveCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code mvgen rave preprocess}. */
  @Command(
      name = "preprocess",
      mixinStandardHelpOptions = true,
      description = {
        "Prepare audio for 'mvgen rave train': decode to mono at rave.sample_rate, cut into"
            + " examples of rave.example_length samples (silence dropped), store them in shards"
            + " with a train/validation split.",
        "Inputs are audio or video files, folders of them (searched recursively) and mvgen"
            + " datasets (their stored audio). Running it again with the same --out skips finished"
            + " inputs and completes an interrupted run; new inputs extend the folder."
      })
  static final class PreprocessCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Parameters(
        arity = "1..*",
        paramLabel = "AUDIO_OR_DATASET",
        description = "Audio or video files, folders of them, or mvgen dataset folders.")
    List<String> inputs;

    @Option(
        names = {"-o", "--out"},
        required = true,
        paramLabel = "RAVEDATA",
        description = "Folder to create or extend.")
    Path out;

    @Option(
        names = "--sample-rate",
        paramLabel = "HZ",
        description = "Rate in Hz (rave.sample_rate).")
    Integer sampleRate;

    @Option(
        names = "--example-length",
        paramLabel = "N",
        description = "Samples per example (rave.example_length).")
    Integer exampleLength;

    @Option(
        names = "--sample-format",
        description = "int16 or float32 (rave.sample_format).",
        paramLabel = "FORMAT")
    String sampleFormat;

    @Override
    public Integer call() throws Exception {
      Config c = common.config();
      c = CommonOptions.override(c, "rave.sample_rate", sampleRate, "--sample-rate");
      c = CommonOptions.override(c, "rave.example_length", exampleLength, "--example-length");
      c = CommonOptions.override(c, "rave.sample_format", sampleFormat, "--sample-format");
      PreprocessConfig cfg = preprocessConfig(c, inputs, out);
      Preprocess.Result r = Preprocess.run(cfg, ProgressBars.console(System.err));
      PrintWriter err = spec.commandLine().getErr();
      for (String w : r.warnings()) {
        err.println("warning: " + w);
      }
      err.flush();
      RaveManifest m = r.manifest();
      PrintWriter o = spec.commandLine().getOut();
      o.printf(
          Locale.ROOT,
          "%s: %d inputs added (%.2f h of audio, %d examples; %d silent examples dropped), %d already"
              + " there, %d warnings.%n",
          out,
          r.added().size(),
          r.addedSeconds() / 3600,
          r.addedExamples(),
          r.silentExamples(),
          r.skipped().size(),
          r.warnings().size());
      o.printf(
          Locale.ROOT,
          "In all: %d inputs, %.2f h of audio, %d examples of %.2f s (%d train, %d validation).%n",
          m.inputs().size(),
          m.seconds() / 3600,
          m.examples(),
          m.params().exampleSeconds(),
          m.examples() - m.validationExamples(),
          m.validationExamples());
      o.flush();
      return Main.Exit.OK;
    }
  }

  /** The preprocess settings of a configuration. */
  static PreprocessConfig preprocessConfig(Config c, List<String> inputs, Path out)
      throws ConfigException {
    try {
      RaveDataParams params =
          new RaveDataParams(
              c.getInt("rave.sample_rate"),
              c.getInt("rave.example_length"),
              SampleFormat.parse(c.getString("rave.sample_format")),
              c.getDouble("rave.min_tail"),
              c.getDouble("rave.silence_db"));
      RaveSplit split =
          new RaveSplit(
              c.getDouble("rave.val_fraction"),
              c.getInt("rave.max_val_examples"),
              c.getInt("rave.split_block"),
              c.getLong("rave.split_seed"));
      return new PreprocessConfig(inputs, out, params, c.getInt("rave.shard_examples"), split);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Invalid setting: " + e.getMessage());
    }
  }
}
