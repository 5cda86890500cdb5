package org.mvgen.decoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.mvgen.torch.Torch;
import org.mvgen.torch.TorchException;
import org.mvgen.util.AtomicFiles;

/**
 * Writes a decoder as a TorchScript module that Python's {@code torch.jit.load} runs: {@code
 * forward(z)} takes raw latents {@code [n, latentSize]} (float32; the bundle's normalisation is
 * built in) and returns frames {@code [n, 3, size, size]} in [-1, 1], RGB, channel-first.
 *
 * <p>The module is compiled by libtorch from TorchScript source generated here, with the trained
 * tensors registered as its parameters and buffers, so no Python is involved in the export.
 */
public final class TorchScriptExport {
  private TorchScriptExport() {}

  /** The TorchScript source of {@code forward} for a network of {@code spec}. */
  static String source(DecoderSpec spec) {
    StringBuilder s = new StringBuilder();
    s.append("def forward(self, z: Tensor) -> Tensor:\n");
    s.append("    z = (z - self.latent_mean) / self.latent_std\n");
    s.append(
        String.format(
            "    x = torch.linear(z, self.fc_weight, self.fc_bias).view(-1, %d, %d, %d)\n",
            spec.width(), spec.startSize(), spec.startSize()));
    for (int i = 0; i < spec.depth(); i++) {
      s.append(
          String.format(
              "    x = torch.conv_transpose2d(x, self.up%d_weight, self.up%d_bias, [2, 2], [1, 1])\n",
              i, i));
      if (i < spec.depth() - 1) {
        if (spec.norm().equals("batch")) {
          s.append(
              String.format(
                  "    x = torch.batch_norm(x, self.bn%1$d_weight, self.bn%1$d_bias,"
                      + " self.bn%1$d_running_mean, self.bn%1$d_running_var, False, 0.1, 1e-5,"
                      + " False)\n",
                  i));
        }
        s.append("    x = torch.relu(x)\n");
      }
    }
    s.append("    return torch.tanh(x)\n");
    return s.toString();
  }

  /**
   * Exports the decoder of a loaded bundle to {@code out}, atomically: a failure leaves no file and
   * any old {@code out} as it was.
   *
   * @throws TorchException when {@code out} cannot be written (a folder, no permission, a read-only
   *     or full disk), with a message that says so
   */
  public static void export(Decoder decoder, Path out) throws TorchException {
    Torch.load();
    DecoderBundle b = decoder.bundle();
    try (JitModule m = new JitModule(new QualifiedName("MvgenDecoder"))) {
      long bytes = 0;
      for (Map.Entry<String, Tensor> e : decoder.net().state().entrySet()) {
        String name = e.getKey().replace('.', '_');
        Tensor t = e.getValue().detach().clone();
        bytes += t.numel() * t.element_size();
        if (e.getKey().endsWith("num_batches_tracked") || !e.getValue().requires_grad()) {
          m.register_buffer(name, t);
        } else {
          m.register_parameter(name, t, false);
        }
      }
      m.register_buffer("latent_mean", Torch.tensor(b.norm().mean(), b.norm().dim()));
      m.register_buffer("latent_std", Torch.tensor(b.norm().std(), b.norm().dim()));
      m.define(source(b.spec()));
      m.eval();
      Path tmp = prepare(out, bytes + bytes / 64 + (1 << 20));
      try {
        m.save(tmp.toString());
        AtomicFiles.commit(tmp, out);
      } catch (RuntimeException | IOException e) {
        deleteQuietly(tmp, e);
        throw new TorchException(
            "Cannot write " + out + ": " + firstLine(e.getMessage()) + ". Nothing was written.",
            new TorchException(firstLine(e.getMessage()), e));
      }
    }
  }

  /**
   * Checks, before libtorch writes anything, that {@code out} can be written and that its disk has
   * {@code need} bytes free, and returns the temporary file to write. libtorch's archive writer
   * cannot report a failed write: it throws from a destructor, which aborts the whole process.
   */
  private static Path prepare(Path out, long need) throws TorchException {
    if (Files.isDirectory(out)) {
      throw new TorchException(out + " is a folder; give the file to write, e.g. -o decoder.pt");
    }
    Path tmp = AtomicFiles.temporary(out);
    try {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(tmp, new byte[0]);
    } catch (IOException e) {
      throw new TorchException(
          "Cannot write "
              + out
              + " ("
              + e
              + "): check that its folder exists or can be created, is writable and not on a"
              + " read-only disk, or give another -o.",
          e);
    }
    try {
      long free = Files.getFileStore(tmp).getUsableSpace();
      if (free < need) {
        Files.deleteIfExists(tmp);
        throw new TorchException(
            String.format(
                Locale.ROOT,
                "Not enough space to write %s: the export needs about %.1f MB and its disk has %.1f"
                    + " MB free. Free some space or give another -o. Nothing was written.",
                out,
                need / 1e6,
                free / 1e6));
      }
    } catch (IOException e) {
      deleteQuietly(tmp, e);
      throw new TorchException("Cannot check the free space for " + out + ": " + e, e);
    }
    return tmp;
  }

  /** The first line of a libtorch message, without the C++ stack trace that follows it. */
  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "unknown error";
    }
    String line = message.strip().lines().findFirst().orElse("");
    int at = line.indexOf(" Exception raised from ");
    return at > 0 ? line.substring(0, at) : line;
  }

  private static void deleteQuietly(Path p, Exception primary) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }
}
