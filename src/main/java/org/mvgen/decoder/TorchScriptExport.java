package org.mvgen.decoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** Exports the decoder of a loaded bundle to {@code out}, atomically. */
  public static void export(Decoder decoder, Path out) throws IOException, TorchException {
    Torch.load();
    DecoderBundle b = decoder.bundle();
    JitModule m = new JitModule(new QualifiedName("MvgenDecoder"));
    for (Map.Entry<String, Tensor> e : decoder.net().state().entrySet()) {
      String name = e.getKey().replace('.', '_');
      Tensor t = e.getValue().detach().clone();
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
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = AtomicFiles.temporary(out);
    m.save(tmp.toString());
    AtomicFiles.commit(tmp, out);
    m.close();
  }
}
