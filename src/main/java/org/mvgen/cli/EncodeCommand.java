package org.mvgen.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.Shard;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen encode}: computes the latents of every pair of a dataset with one encoder. */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = {
      "Compute the latent of every pair of a dataset from its stored audio, one .npy file per"
          + " source under DATASET/latents/<encoder id>/, and record them in the manifest.",
      "Encoders: mel (log-mel bands), mel?pca=16 (reduced by a PCA fitted on the dataset),"
          + " rave:model.ts (a RAVE export; add ?mode=sample for the stochastic encode),"
          + " rave:model.mvrave (a model trained by 'mvgen rave train').",
      "Running again resumes; another encoder adds a second set of latents beside the first."
    })
public final class EncodeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset folder (from ingest).")
  Path dataset;

  @Option(
      names = {"-e", "--encoder"},
      required = true,
      paramLabel = "SPEC",
      description = "Encoder spec: mel, mel?pca=D, rave:FILE.ts[?mode=sample], rave:FILE.mvrave.")
  String encoder;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "CPU threads for libtorch (default: encoder.threads).")
  Integer threads;

  @Option(
      names = "--shard",
      paramLabel = "I/N",
      description = {
        "Encode only task I's share of the sources (0 <= I < N), beside the other N-1 tasks that"
            + " may run at the same time; the last task to finish records the encoder in the"
            + " manifest. 'slurm': the share of this Slurm array task."
      })
  String shard;

  @Override
  public Integer call() throws Exception {
    Shard share = shard == null ? null : Shard.parse(shard, System.getenv());
    Config c = CommonOptions.override(common.config(), "encoder.threads", threads, "--threads");
    var out = spec.commandLine().getOut();
    try (Dataset ds = Dataset.open(dataset)) {
      DatasetEncoding.Result r =
          DatasetEncoding.run(ds, encoder, c, share, ProgressBars.console(System.err));
      out.printf(
          "Encoded %d pairs with %s (latent size %d): %d sources computed, %d already done, %.1f s%n",
          r.pairs(),
          r.record().id(),
          r.record().dim(),
          r.encodedSources(),
          r.skippedSources(),
          r.seconds());
      if (r.note() != null) {
        out.println(r.note());
      }
      out.printf("Latents: %s%n", ds.dir().resolve("latents").resolve(r.record().id()));
      out.printf("Use them with: --encoder %s%n", r.record().id());
      out.flush();
    }
    return Main.Exit.OK;
  }
}
