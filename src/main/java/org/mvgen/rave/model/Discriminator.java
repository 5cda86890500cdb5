package org.mvgen.rave.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The phase-2 discriminators: a multi-period discriminator (one 2-D network per period {@code p}:
 * the audio folded to {@code [B, 1, T / p, p]}, convolutions of kernel {@code (5, 1)} and stride
 * {@code (4, 1)}) and a multi-scale discriminator ({@code scales} 1-D networks, kernel 15 and
 * stride 4, on the audio average-pooled by 2 once more for each scale). Each network has {@code
 * discLayers} weight-normalised convolutions with biases, channels {@code discCapacity * 2^i}, each
 * followed by LeakyReLU(0.2), and a last 1x1 convolution to one score channel.
 *
 * <p>{@link #forward} returns, for each network, the outputs of all its convolutions: the features
 * for feature matching, the last one being the score. Names: {@code mpd_p<period>_l<i>}, {@code
 * mpd_p<period>_last}, {@code msd_s<i>_l<j>}, {@code msd_s<i>_last}.
 */
public final class Discriminator extends Module {
  private final List<Integer> periods;
  private final List<List<Conv>> mpd = new ArrayList<>();
  private final List<List<Conv>> msd = new ArrayList<>();
  final java.util.Map<String, Conv> convs = new java.util.LinkedHashMap<>();

  public Discriminator(RaveConfig c, boolean weightNorm) {
    this.periods = c.periods();
    for (int p : periods) {
      mpd.add(net("mpd_p" + p, c, Conv.Kind.CONV2D, 5, weightNorm));
    }
    for (int s = 0; s < c.scales(); s++) {
      msd.add(net("msd_s" + s, c, Conv.Kind.CONV1D, 15, weightNorm));
    }
  }

  private List<Conv> net(
      String prefix, RaveConfig c, Conv.Kind kind, int kernel, boolean weightNorm) {
    List<Conv> layers = new ArrayList<>();
    int in = 1;
    for (int i = 0; i < c.discLayers(); i++) {
      int out = c.discCapacity() << i;
      Conv l = new Conv(kind, in, out, kernel, 4, 1, kernel / 2, kernel / 2, weightNorm, true);
      convs.put(prefix + "_l" + i, l);
      layers.add(register_module(prefix + "_l" + i, l));
      in = out;
    }
    Conv last = new Conv(kind, in, 1, 1, 1, 1, 0, 0, false, true);
    convs.put(prefix + "_last", last);
    layers.add(register_module(prefix + "_last", last));
    return layers;
  }

  /** Features of every network for audio {@code x} {@code [B, 1, T]}. */
  public List<List<Tensor>> forward(Tensor x) {
    List<List<Tensor>> all = new ArrayList<>();
    for (int i = 0; i < periods.size(); i++) {
      int p = periods.get(i);
      long t = x.size(2);
      long pad = (p - t % p) % p;
      Tensor f = pad == 0 ? x : torch.constant_pad_nd(x, 0, pad);
      f = f.reshape(x.size(0), 1, (t + pad) / p, p);
      all.add(run(mpd.get(i), f));
    }
    Tensor s = x;
    for (int i = 0; i < msd.size(); i++) {
      if (i > 0) {
        s = torch.avg_pool1d(s, 2);
      }
      all.add(run(msd.get(i), s));
    }
    return all;
  }

  private static List<Tensor> run(List<Conv> layers, Tensor x) {
    List<Tensor> features = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).forward(x);
      features.add(x);
      if (i < layers.size() - 1) {
        x = Encoder.lrelu(x);
      }
    }
    return features;
  }
}
