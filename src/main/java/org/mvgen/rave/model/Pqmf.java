package org.mvgen.rave.model;

import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.torch.Torch;

/**
 * PQMF analysis (audio {@code [B, 1, T]} to bands {@code [B, M, T / M]}) and synthesis (back), both
 * as convolutions with the fixed filters of a {@link PqmfDesign}, held as buffers {@code analysis}
 * {@code [M, 1, N + 1]} and {@code synthesis} {@code [M, M, N / M + 1]}.
 *
 * <p>Centred mode: no delay (analysis then synthesis returns the input, up to the reconstruction
 * error). Causal mode pads on the left only: the analysis then lags the centred one by {@code N /
 * 2} samples ({@link #analysisDelay}), and the synthesis by another {@code N / 2}. {@code T} must
 * be a multiple of {@code M}.
 */
public final class Pqmf extends Module {
  private final PqmfDesign design;
  private final boolean causal;
  private final Tensor analysis;
  private final Tensor synthesis;

  public Pqmf(PqmfDesign design, boolean causal) {
    this.design = design;
    this.causal = causal;
    int m = design.bands();
    int n = design.order();
    // New handles: the ones register_* return point into the module's dict.
    analysis =
        new Tensor(register_buffer("analysis", Torch.tensor(design.analysisWeight(), m, 1, n + 1)));
    synthesis =
        new Tensor(
            register_buffer(
                "synthesis", Torch.tensor(design.synthesisWeight(), m, m, design.synthesisTaps())));
  }

  public PqmfDesign design() {
    return design;
  }

  public int bands() {
    return design.bands();
  }

  /** Samples by which causal analysis lags centred analysis ({@code N / 2}; 0 when centred). */
  public int analysisDelay() {
    return causal ? design.order() / 2 : 0;
  }

  /** Samples by which analysis then synthesis delays the audio ({@code N} causal, 0 centred). */
  public int roundTripDelay() {
    return causal ? design.order() : 0;
  }

  /** Splits {@code x} {@code [B, 1, T]} into bands {@code [B, M, T / M]}. */
  public Tensor analyse(Tensor x) {
    int n = design.order();
    int left = causal ? n : n / 2;
    int right = causal ? 0 : n / 2;
    Tensor p = torch.constant_pad_nd(x, left, right);
    return conv(p);
  }

  /**
   * The next chunk of a causal analysis stream (see {@link Conv#stream}); chunks of M k samples.
   */
  Tensor analyseStream(Tensor x, Map<Object, Tensor> caches) {
    int n = design.order();
    Tensor cache = caches.get(this);
    if (cache == null) {
      cache = torch.zeros(x.size(0), 1, n);
    }
    Tensor joined = torch.cat(new TensorVector(cache, x), 2);
    caches.put(this, joined.narrow(2, joined.size(2) - n, n).clone());
    return conv(joined);
  }

  private Tensor conv(Tensor padded) {
    return torch.conv1d(
        padded,
        analysis,
        new TensorOptional(),
        new long[] {design.bands()},
        new long[] {0},
        new long[] {1},
        1);
  }

  /** Merges bands {@code [B, M, L]} into audio {@code [B, 1, L M]}. */
  public Tensor synthesise(Tensor bands) {
    int q = design.order() / design.bands(); // synthesisTaps - 1
    int left = causal ? q : q / 2;
    int right = causal ? 0 : q - q / 2;
    Tensor p = torch.constant_pad_nd(bands, left, right);
    Tensor y =
        torch.conv1d(
            p,
            synthesis,
            new TensorOptional(),
            new long[] {1},
            new long[] {0},
            new long[] {1},
            1); // [B, M (phase), L]
    long b = bands.size(0);
    long l = bands.size(2);
    return y.permute(0, 2, 1).reshape(b, 1, l * design.bands());
  }
}
