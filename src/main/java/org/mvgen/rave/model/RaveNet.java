package org.mvgen.rave.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The autoencoder of a {@link RaveConfig} as libtorch modules: {@code pqmf} (fixed filters, as
 * buffers), {@code encoder} and {@code decoder}, with or without weight normalisation (training
 * uses it; {@link #folded} gives the export form). The discriminators are a separate module ({@link
 * #discriminator}) because only phase 2 needs them.
 *
 * <pre>
 * torch.manual_seed(1);
 * try (RaveNet net = new RaveNet(RaveConfig.named("tiny"), true)) {
 *   Tensor z = net.encode(audio);                   // [B, 2 latent, T / hop]
 *   Tensor y = net.decode(net.mean(z), null);       // [B, 1, T]
 * }
 * </pre>
 *
 * <p>State names ({@code encoder.s0_r1_c1.weight_v}, {@code pqmf.analysis}, ...) are those of the
 * Python reference ({@code src/test/python/rave_reference.py}). Not thread-safe.
 */
public final class RaveNet extends Module {
  private final RaveConfig config;
  private final boolean weightNorm;
  private final Pqmf pqmf;
  private final Encoder encoder;
  private final Decoder decoder;

  /** Builds the network with random weights (seed with {@code torch.manual_seed}). */
  public RaveNet(RaveConfig config, boolean weightNorm) {
    this(config, weightNorm, PqmfDesign.design(config.bands(), config.pqmfAttenuation()));
  }

  RaveNet(RaveConfig config, boolean weightNorm, PqmfDesign design) {
    this.config = config;
    this.weightNorm = weightNorm;
    pqmf = register_module("pqmf", new Pqmf(design, config.causal()));
    encoder = register_module("encoder", new Encoder(config, weightNorm));
    decoder = register_module("decoder", new Decoder(config, weightNorm));
  }

  public RaveConfig config() {
    return config;
  }

  public boolean weightNorm() {
    return weightNorm;
  }

  public Pqmf pqmf() {
    return pqmf;
  }

  /** A new discriminator for this config (seed with {@code torch.manual_seed}). */
  public Discriminator discriminator() {
    return new Discriminator(config, true);
  }

  /**
   * Encodes audio {@code [B, 1, T]} ({@code T} a multiple of the hop) into {@code [B, 2 latent, T /
   * hop]}: means, then raw scales.
   */
  public Tensor encode(Tensor audio) {
    return encoder.forward(pqmf.analyse(audio), null);
  }

  /** Encodes PQMF bands {@code [B, M, T / M]} (what {@link #encode} does after the analysis). */
  public Tensor encodeBands(Tensor bands) {
    return encoder.forward(bands, null);
  }

  /** The next chunk of a causal stream (see {@link StreamingEncoder}). */
  Tensor encodeStream(Tensor audio, Map<Object, Tensor> caches) {
    return encoder.forward(pqmf.analyseStream(audio, caches), caches);
  }

  /** The posterior means {@code [B, latent, L]} of an {@link #encode} output. */
  public Tensor mean(Tensor z) {
    return z.narrow(1, 0, config.latentSize());
  }

  /** The posterior standard deviations: {@code softplus(scale) + 1e-4}. */
  public Tensor std(Tensor z) {
    return torch
        .softplus(z.narrow(1, config.latentSize(), config.latentSize()))
        .add(new Scalar(1e-4));
  }

  /**
   * A sample of the posterior, {@code mean + eps * std}, for standard normal {@code eps} of the
   * shape of the means (passed in so that a reference implementation can reproduce it).
   */
  public Tensor sample(Tensor z, Tensor eps) {
    return mean(z).add(eps.mul(std(z)));
  }

  /**
   * Decodes latents {@code [B, latent, L]} to audio {@code [B, 1, L hop]}; {@code noise} as for
   * {@link #decodeBands}.
   */
  public Tensor decode(Tensor latents, Tensor noise) {
    return pqmf.synthesise(decodeBands(latents, noise));
  }

  /**
   * Decodes latents to PQMF bands {@code [B, M, L hop / M]}. {@code noise}: uniform noise in [-1,
   * 1] of shape {@link #noiseShape} when the config has the noise branch (null: drawn here).
   */
  public Tensor decodeBands(Tensor latents, Tensor noise) {
    if (config.noise() && noise == null) {
      long[] s = noiseShape(latents.size(0), latents.size(2));
      noise = torch.rand(s).mul_(new Scalar(2)).sub_(new Scalar(1));
      if (!latents.is_cpu()) {
        noise =
            noise.to(
                latents.device(), noise.scalar_type()); // drawn on the CPU: same seed, same noise
      }
    }
    return decoder.forward(latents, noise);
  }

  /** The shape of the decoder's noise input for a batch of {@code frames} latent frames. */
  public long[] noiseShape(long batch, long frames) {
    return decoder.noise() == null
        ? new long[0]
        : decoder.noise().noiseShape(batch, frames * config.hop() / config.bands());
  }

  /** Trainable parameters by name, in a fixed order (new handles). */
  public Map<String, Tensor> parametersByName() {
    return parameters(this);
  }

  /** Parameters of {@code m} by name, in a fixed order (new handles sharing storage). */
  public static Map<String, Tensor> parameters(Module m) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    StringTensorDict p = m.named_parameters(true);
    for (long i = 0; i < p.size(); i++) {
      out.put(p.get(i).key().getString(), new Tensor(p.get(i).value()));
    }
    return out;
  }

  /**
   * The autoencoder's receptive field in band samples, {@code {left, right}}: how far before and
   * after an output band sample the input band samples it depends on reach, so that the first
   * {@code left} and the last {@code right} outputs of an example are shaped by the zero padding
   * beyond it. Measured as RAVE does, by where a change of the input reaches the output: one hop of
   * impulses (every stride phase) at the centre of an example of {@code exampleSize} samples,
   * through the posterior means; outputs the change cannot reach are computed from identical inputs
   * and so are exactly equal.
   */
  public int[] receptiveField(int exampleSize) {
    int m = config.bands();
    int frames = exampleSize / m;
    int hopBands = config.hop() / m;
    int centre = frames / 2 / hopBands * hopBands;
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor a = torch.zeros(1, m, frames);
      Tensor b = a.clone();
      b.narrow(2, centre, hopBands).fill_(new Scalar(0.5));
      Tensor za = mean(encodeBands(a));
      Tensor noise = null;
      if (config.noise()) {
        noise = torch.rand(noiseShape(1, za.size(2))).mul_(new Scalar(2)).sub_(new Scalar(1));
      }
      Tensor ya = decodeBands(za, noise);
      Tensor yb = decodeBands(mean(encodeBands(b)), noise);
      float[] diff =
          org.mvgen.torch.Torch.floats(ya.sub(yb).abs().sum(new long[] {0, 1}).contiguous());
      int first = -1;
      int last = -1;
      for (int i = 0; i < diff.length; i++) {
        if (diff[i] != 0) {
          last = i;
          if (first < 0) {
            first = i;
          }
        }
      }
      if (first < 0) {
        return new int[] {0, 0};
      }
      // An input at c reaches outputs [c - A, c + B]; output i sees inputs [i - B, i + A].
      int reachBack = Math.max(0, centre - first);
      int reachOn = Math.max(0, last - (centre + hopBands - 1));
      return new int[] {reachOn, reachBack};
    }
  }

  /** Parameters then buffers by name (new handles sharing storage). */
  public static Map<String, Tensor> state(Module m) {
    Map<String, Tensor> out = parameters(m);
    StringTensorDict b = m.named_buffers(true);
    for (long i = 0; i < b.size(); i++) {
      out.put(b.get(i).key().getString(), new Tensor(b.get(i).value()));
    }
    return out;
  }

  /** Number of values in the trainable parameters of {@code m}. */
  public static long count(Module m) {
    long n = 0;
    for (Tensor t : parameters(m).values()) {
      n += t.numel();
    }
    return n;
  }

  /**
   * The same function without weight normalisation: every {@code weight_g}/{@code weight_v} pair
   * folded into one {@code weight}. Used for export and inference (fewer operations per call).
   */
  public RaveNet folded() {
    RaveNet plain = new RaveNet(config, false, pqmf.design());
    Map<String, Tensor> dst = parameters(plain);
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Conv> e : convs().entrySet()) {
        Conv c = e.getValue();
        dst.get(e.getKey() + ".weight").copy_(c.foldedWeight());
        if (c.bias() != null) {
          dst.get(e.getKey() + ".bias").copy_(c.bias());
        }
      }
    }
    return plain;
  }

  /** Every {@link Conv} of the encoder and decoder by its path. */
  Map<String, Conv> convs() {
    Map<String, Conv> out = new LinkedHashMap<>();
    encoder.convs.forEach((k, v) -> out.put("encoder." + k, v));
    decoder.convs.forEach((k, v) -> out.put("decoder." + k, v));
    return out;
  }
}
