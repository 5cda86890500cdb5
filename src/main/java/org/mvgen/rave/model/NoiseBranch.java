package org.mvgen.rave.model;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The decoder's optional noise branch: filtered noise added to each PQMF band, for the noisy parts
 * of a sound (breath, cymbals) that a deterministic waveform renders badly.
 *
 * <p>Per band and per noise frame of {@code F = prod(ratios)} band samples (one frame per latent),
 * the decoder's last hidden state, averaged over the frame, gives {@code noiseBands} magnitudes
 * ({@code 2 sigmoid(a - 5)}, so that the branch starts nearly silent) through the 1x1 convolution
 * {@code amp}. They are the magnitude response of a zero-phase FIR filter of {@code 2 (noiseBands -
 * 1)} taps (inverse real FFT, rotated to be causal, Hann-windowed), applied to uniform noise in
 * [-1, 1] by FFT convolution truncated to the frame.
 */
final class NoiseBranch extends Module {
  private final int bands;
  private final int noiseBands;
  private final int frame;
  final Conv amp;

  NoiseBranch(RaveConfig c, int channels, boolean weightNorm) {
    this.bands = c.bands();
    this.noiseBands = c.noiseBands();
    this.frame = c.hop() / c.bands();
    if (2 * (noiseBands - 1) > frame) {
      throw new IllegalArgumentException(
          "noiseBands ("
              + noiseBands
              + ") needs filters of "
              + 2 * (noiseBands - 1)
              + " taps, longer than a noise frame of "
              + frame
              + " band samples (the product of the ratios): use fewer noiseBands");
    }
    amp =
        register_module(
            "amp",
            new Conv(
                Conv.Kind.CONV1D, channels, bands * noiseBands, 1, 1, 1, 0, 0, weightNorm, true));
  }

  /** The shape of the uniform noise {@link #forward} takes for hidden states {@code [B, C, L]}. */
  long[] noiseShape(long batch, long length) {
    return new long[] {batch, bands, length / frame, frame};
  }

  /** Filtered noise {@code [B, M, L]} for hidden states {@code h} {@code [B, C, L]}. */
  Tensor forward(Tensor h, Tensor noise) {
    long b = h.size(0);
    long l = h.size(2);
    long frames = l / frame;
    Tensor a = amp.forward(torch.avg_pool1d(h, frame)); // [B, M nb, frames]
    Tensor mag =
        torch
            .sigmoid(a.sub(new Scalar(5)))
            .mul(new Scalar(2))
            .reshape(b, bands, noiseBands, frames);
    mag = mag.permute(0, 1, 3, 2); // [B, M, frames, nb]
    int taps = 2 * (noiseBands - 1);
    Tensor ir =
        torch.fft_irfft(
            mag.to(torch.ScalarType.ComplexFloat),
            new LongOptional(taps),
            -1,
            new StringViewOptional());
    Tensor window = torch.hann_window(taps);
    if (!ir.is_cpu()) {
      window = window.to(ir.device(), window.scalar_type());
    }
    ir = ir.roll(new long[] {noiseBands - 1}, -1).mul(window);
    int n = 2 * frame;
    Tensor spec =
        torch
            .fft_rfft(noise, new LongOptional(n), -1, new StringViewOptional())
            .mul(torch.fft_rfft(ir, new LongOptional(n), -1, new StringViewOptional()));
    Tensor y = torch.fft_irfft(spec, new LongOptional(n), -1, new StringViewOptional());
    return y.narrow(3, 0, frame).reshape(b, bands, frames * frame);
  }
}
