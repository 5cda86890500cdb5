package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mvgen.MvgenException;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.Split;
import org.mvgen.decoder.DatasetPairs;
import org.mvgen.decoder.Decoder;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.eval.Evaluator;
import org.mvgen.torch.Torch;
import org.mvgen.util.ProgressBars;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mvgen eval}: scores a trained decoder on the validation split against baselines. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Score a trained decoder on the validation pairs: PSNR and SSIM against the real frames,"
          + " beside the mean-training-frame and nearest-neighbour baselines, and the"
          + " audio-reactivity correlation. Writes RUN/eval.json and RUN/eval.png."
    })
public final class EvalCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "Run folder of 'mvgen train'.")
  Path run;

  @Option(
      names = "--dataset",
      paramLabel = "DATASET",
      description = "Dataset to evaluate on (default: the one the run was trained on).")
  Path dataset;

  @Option(names = "--max-pairs", description = "Most validation pairs (eval.max_pairs).")
  Integer maxPairs;

  @Override
  public Integer call() throws Exception {
    Config c = common.config();
    c = CommonOptions.override(c, "eval.max_pairs", maxPairs, "--max-pairs");
    Path bundle = run.resolve(DecoderBundle.FILE_NAME);
    DecoderBundle info = DecoderBundle.read(bundle);
    Path data = dataset;
    if (data == null) {
      Object d = info.training().get("info") instanceof Map<?, ?> m ? m.get("dataset") : null;
      if (d == null) {
        throw new MvgenException(bundle + " does not record its dataset: pass --dataset DATASET.");
      }
      data = Path.of(d.toString());
    }
    if (!Files.isDirectory(data)) {
      throw new MvgenException("Dataset " + data + " does not exist: pass --dataset DATASET.");
    }
    Torch.threads(c.getInt("train.threads"));
    PrintWriter o = spec.commandLine().getOut();
    try (Dataset ds = Dataset.open(data);
        Decoder gen = DecoderBundle.load(bundle, info.encoderId())) {
      DatasetPairs train = DatasetPairs.of(ds, info.encoderId(), Split.TRAIN);
      DatasetPairs val = DatasetPairs.of(ds, info.encoderId(), Split.VALIDATION);
      if (val.size() == 0) {
        throw new MvgenException(
            data + " has no validation pairs: ingest with dataset.val_fraction above 0.");
      }
      Evaluator.Config ec =
          new Evaluator.Config(
              c.getInt("eval.max_pairs"),
              c.getInt("eval.block_length"),
              c.getInt("eval.mean_frames"),
              c.getInt("eval.neighbours"));
      Evaluator.Report r =
          Evaluator.evaluate(
              gen,
              info.norm(),
              train,
              val,
              ec,
              ProgressBars.console(System.err),
              run.resolve("eval.png"));
      Evaluator.write(r, run.resolve("eval.json"));
      o.printf(Locale.ROOT, "%d validation pairs of %s%n", r.pairs(), data);
      o.printf(Locale.ROOT, "%-18s %9s %7s%n", "", "PSNR dB", "SSIM");
      row(o, "model", r.model());
      row(o, "mean frame", r.meanFrame());
      row(o, "nearest neighbour", r.nearestNeighbour());
      o.printf(
          Locale.ROOT,
          "audio reactivity (corr. of latent change and picture change, %d pairs):"
              + " model %.3f, nearest neighbour %.3f, real frames %.3f%n",
          r.reactivityPairs(),
          r.reactivityModel(),
          r.reactivityNearestNeighbour(),
          r.reactivityReal());
      o.printf("Report: %s, %s%n", run.resolve("eval.json"), run.resolve("eval.png"));
      o.flush();
      return Main.Exit.OK;
    }
  }

  private static void row(PrintWriter o, String name, Evaluator.Scores s) {
    o.printf(Locale.ROOT, "%-18s %9.2f %7.4f%n", name, s.psnr(), s.ssim());
  }
}
