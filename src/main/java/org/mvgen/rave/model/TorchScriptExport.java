package org.mvgen.rave.model;

import java.nio.file.Path;
import org.mvgen.MvgenException;

/**
 * Writes a trained model as a TorchScript module with the interface of RAVE's own exports.
 *
 * <p>Placeholder on this branch: the real class comes from the branch that builds it (rave-ts);
 * {@code mvgen rave export --format torchscript} calls it through this signature.
 */
public final class TorchScriptExport {
  private TorchScriptExport() {}

  /** Writes {@code model} to {@code out} as TorchScript. */
  public static void write(RaveAutoencoder model, Path out) throws MvgenException {
    throw new MvgenException(
        "The TorchScript export is not built yet in this mvgen; export with the default format"
            + " (.mvrave) instead.");
  }
}
