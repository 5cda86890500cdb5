package org.mvgen.rave.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The architecture and training schedule of a RAVE-architecture autoencoder: PQMF bands, encoder
 * and decoder sizes, causality, discriminators, losses and the phase / beta / learning-rate
 * schedule. Selected by name and overridden field by field:
 *
 * <pre>
 * RaveConfig c = RaveConfig.named("small").toBuilder().latentSize(32).build();
 * RaveConfig d = RaveConfig.named("live").toBuilder().set("capacity", "24").build();
 * </pre>
 *
 * <p>Named configs: {@code tiny} (about 0.1 M parameters, a tenth of a second per step on a CPU;
 * for tests), {@code small} (capacity 32, trainable on a laptop CPU in hours), {@code v2} (the
 * published RAVE v2 sizes: encoder 16 046 592 weights, 58.7 M trainable parameters with the
 * discriminators) and {@code live} (causal convolutions, 512 samples per latent at 44.1 kHz, for
 * {@code mvgen live}).
 *
 * @param name the name it was selected by (kept when fields are overridden)
 * @param sampleRate audio sample rate in Hz
 * @param bands PQMF bands (a power of two)
 * @param pqmfAttenuation stop-band attenuation of the PQMF prototype in dB
 * @param capacity channels after the encoder's first convolution; doubled at every stride
 * @param latentSize latent dimensions (the encoder emits a mean and a scale for each)
 * @param ratios encoder strides, first to last (the decoder upsamples in reverse)
 * @param dilations dilations of the residual units at each stride (one list per ratio)
 * @param kernelSize kernel of the dilated residual units
 * @param causal causal convolutions (left padding only); needed for streaming
 * @param amplitudeModulation the decoder emits a waveform and an amplitude per band
 * @param noise the decoder adds filtered noise (the optional noise branch)
 * @param noiseBands frequency bands of each noise filter
 * @param discCapacity channels of the first discriminator layer (doubled per layer)
 * @param discLayers strided layers per discriminator
 * @param periods periods of the multi-period discriminator (empty: none)
 * @param scales discriminators of the multi-scale discriminator (0: none)
 * @param stftSizes window sizes of the multi-scale spectral distance
 * @param featureMatchingWeight weight of the feature-matching loss (applied once; see {@link
 *     RaveLosses})
 * @param betaStart KL weight at step 0
 * @param betaEnd KL weight from {@code betaWarmup} on (log-interpolated in between)
 * @param betaWarmup steps of the KL warm-up
 * @param phase1Steps steps of phase 1 (reconstruction only); phase 2 (adversarial) follows
 * @param discEvery in phase 2, batches whose step is a multiple of this train the discriminator
 * @param lr generator learning rate at step 0 (decays linearly to 0.1x over phase 1)
 * @param lrDiscriminator discriminator learning rate
 * @param exampleSize samples per training example
 * @param batchSize examples per batch
 * @param multibandCrop crop the band signals by the autoencoder's receptive field at each end
 *     before the multiband spectral distance (as RAVE v2 does: those samples are shaped by the zero
 *     padding beyond the example); the full-band distance sees all of it. Left out of a config's
 *     JSON when false, so that runs from before the field keep their identity.
 */
public record RaveConfig(
    String name,
    int sampleRate,
    int bands,
    double pqmfAttenuation,
    int capacity,
    int latentSize,
    List<Integer> ratios,
    List<List<Integer>> dilations,
    int kernelSize,
    boolean causal,
    boolean amplitudeModulation,
    boolean noise,
    int noiseBands,
    int discCapacity,
    int discLayers,
    List<Integer> periods,
    int scales,
    List<Integer> stftSizes,
    double featureMatchingWeight,
    double betaStart,
    double betaEnd,
    long betaWarmup,
    long phase1Steps,
    int discEvery,
    double lr,
    double lrDiscriminator,
    int exampleSize,
    int batchSize,
    @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
        boolean multibandCrop) {

  /** The names {@link #named} accepts. */
  public static final List<String> NAMES = List.of("tiny", "small", "v2", "live");

  public RaveConfig {
    name = name == null ? "custom" : name;
    ratios = List.copyOf(ratios);
    List<List<Integer>> d = new ArrayList<>();
    for (List<Integer> l : dilations) {
      d.add(List.copyOf(l));
    }
    dilations = List.copyOf(d);
    periods = List.copyOf(periods);
    stftSizes = List.copyOf(stftSizes);
    positive("sampleRate", sampleRate);
    positive("bands", bands);
    if (Integer.bitCount(bands) != 1) {
      throw new IllegalArgumentException("bands (" + bands + ") must be a power of two");
    }
    positive("capacity", capacity);
    positive("latentSize", latentSize);
    positive("kernelSize", kernelSize);
    if (kernelSize % 2 == 0) {
      throw new IllegalArgumentException("kernelSize (" + kernelSize + ") must be odd");
    }
    if (ratios.isEmpty()) {
      throw new IllegalArgumentException("ratios must not be empty");
    }
    for (int r : ratios) {
      positive("ratio", r);
      if (r % 2 != 0 && r != 1) {
        throw new IllegalArgumentException(
            "ratios " + ratios + ": each must be even (transposed convolutions of kernel 2r)");
      }
    }
    if (dilations.size() != ratios.size()) {
      throw new IllegalArgumentException(
          "dilations "
              + dilations
              + " must have one list per ratio ("
              + ratios.size()
              + " ratios "
              + ratios
              + ")");
    }
    for (List<Integer> l : dilations) {
      for (int x : l) {
        positive("dilation", x);
      }
    }
    if (pqmfAttenuation < 20 || pqmfAttenuation > 200) {
      throw new IllegalArgumentException(
          "pqmfAttenuation (" + pqmfAttenuation + " dB) must be between 20 and 200");
    }
    positive("noiseBands", noiseBands);
    positive("discCapacity", discCapacity);
    positive("discLayers", discLayers);
    for (int p : periods) {
      positive("period", p);
    }
    if (scales < 0) {
      throw new IllegalArgumentException("scales (" + scales + ") must be >= 0");
    }
    if (stftSizes.isEmpty()) {
      throw new IllegalArgumentException("stftSizes must not be empty");
    }
    for (int n : stftSizes) {
      if (n < 8 || n % 4 != 0) {
        throw new IllegalArgumentException(
            "stftSizes " + stftSizes + ": each must be a multiple of 4, at least 8");
      }
    }
    if (!(betaStart > 0) || !(betaEnd > 0)) {
      throw new IllegalArgumentException(
          "betaStart (" + betaStart + ") and betaEnd (" + betaEnd + ") must be > 0");
    }
    if (betaWarmup < 0 || phase1Steps < 0) {
      throw new IllegalArgumentException(
          "betaWarmup (" + betaWarmup + ") and phase1Steps (" + phase1Steps + ") must be >= 0");
    }
    positive("discEvery", discEvery);
    if (!(lr > 0) || !(lrDiscriminator > 0)) {
      throw new IllegalArgumentException(
          "lr (" + lr + ") and lrDiscriminator (" + lrDiscriminator + ") must be > 0");
    }
    positive("batchSize", batchSize);
    positive("exampleSize", exampleSize);
    int hop = bands;
    for (int r : ratios) {
      hop *= r;
    }
    if (exampleSize % hop != 0) {
      throw new IllegalArgumentException(
          "exampleSize (" + exampleSize + ") must be a multiple of the hop (" + hop + ")");
    }
  }

  private static void positive(String what, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " (" + v + ") must be positive");
    }
  }

  /** Audio samples per latent frame: bands times the product of the ratios. */
  public int hop() {
    int h = bands;
    for (int r : ratios) {
      h *= r;
    }
    return h;
  }

  /** Channels at the end of the encoder (and the start of the decoder). */
  public int deepChannels() {
    return capacity << ratios.size();
  }

  /**
   * A named config ({@link #NAMES}); fails with the list of names when {@code name} is none of
   * them.
   */
  public static RaveConfig named(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    Builder b = v2Builder();
    switch (n) {
      case "v2" -> {
        return b.build();
      }
      case "small" -> {
        return b.name("small")
            .multibandCrop(false) // as RAVE: only v2 crops
            .capacity(32)
            .latentSize(64)
            .dilations(List.of(List.of(1, 3), List.of(1, 3), List.of(1, 3), List.of(1, 3)))
            .discCapacity(16)
            // About 0.4 s per step on 2 cores (an AMD EPYC, BENCHMARKS.md): phase 1 takes a few
            // hours.
            .phase1Steps(20_000)
            .betaWarmup(5_000)
            .exampleSize(65_536)
            .batchSize(4)
            .build();
      }
      case "live" -> {
        return b.name("live")
            .multibandCrop(false) // as RAVE: only v2 crops
            .capacity(32)
            .latentSize(64)
            .ratios(List.of(4, 4, 2))
            .dilations(List.of(List.of(1, 3, 9), List.of(1, 3, 9), List.of(1, 3)))
            .causal(true)
            .discCapacity(16)
            .phase1Steps(20_000)
            .betaWarmup(5_000)
            .exampleSize(65_536)
            .batchSize(4)
            .build();
      }
      case "tiny" -> {
        return b.name("tiny")
            .multibandCrop(false) // as RAVE: only v2 crops
            .capacity(16)
            .latentSize(8)
            .ratios(List.of(2, 2))
            .dilations(List.of(List.of(1, 3), List.of(1)))
            .discCapacity(4)
            .discLayers(2)
            .periods(List.of(2, 3))
            .scales(2)
            .stftSizes(List.of(512, 256, 128, 64, 32))
            .betaWarmup(100)
            .phase1Steps(1000)
            .exampleSize(8192)
            .batchSize(2)
            .build();
      }
      default ->
          throw new IllegalArgumentException(
              "Unknown RAVE config '" + name + "': use one of " + String.join(", ", NAMES) + ".");
    }
  }

  private static Builder v2Builder() {
    Builder b = new Builder();
    b.name = "v2";
    b.sampleRate = 44_100;
    b.bands = 16;
    b.pqmfAttenuation = 100;
    b.capacity = 96;
    b.latentSize = 128;
    b.ratios = List.of(4, 4, 4, 2);
    b.dilations = List.of(List.of(1, 3, 9), List.of(1, 3, 9), List.of(1, 3, 9), List.of(1, 3));
    b.kernelSize = 3;
    b.causal = false;
    b.amplitudeModulation = true;
    b.noise = false;
    b.noiseBands = 5;
    b.discCapacity = 96;
    b.discLayers = 4;
    b.periods = List.of(2, 3, 5, 7, 11);
    b.scales = 3;
    b.stftSizes = List.of(2048, 1024, 512, 256, 128);
    b.featureMatchingWeight = 20;
    b.betaStart = 1e-6;
    b.betaEnd = 5e-2;
    b.betaWarmup = 20_000;
    b.phase1Steps = 1_000_000;
    b.discEvery = 4;
    b.lr = 1e-3;
    b.lrDiscriminator = 1e-4;
    b.exampleSize = 131_072;
    b.batchSize = 8;
    b.multibandCrop = true;
    return b;
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.sampleRate = sampleRate;
    b.bands = bands;
    b.pqmfAttenuation = pqmfAttenuation;
    b.capacity = capacity;
    b.latentSize = latentSize;
    b.ratios = ratios;
    b.dilations = dilations;
    b.kernelSize = kernelSize;
    b.causal = causal;
    b.amplitudeModulation = amplitudeModulation;
    b.noise = noise;
    b.noiseBands = noiseBands;
    b.discCapacity = discCapacity;
    b.discLayers = discLayers;
    b.periods = periods;
    b.scales = scales;
    b.stftSizes = stftSizes;
    b.featureMatchingWeight = featureMatchingWeight;
    b.betaStart = betaStart;
    b.betaEnd = betaEnd;
    b.betaWarmup = betaWarmup;
    b.phase1Steps = phase1Steps;
    b.discEvery = discEvery;
    b.lr = lr;
    b.lrDiscriminator = lrDiscriminator;
    b.exampleSize = exampleSize;
    b.batchSize = batchSize;
    b.multibandCrop = multibandCrop;
    return b;
  }

  /** Builds a {@link RaveConfig}; every field starts from a named config (see {@link #named}). */
  public static final class Builder {
    private String name;
    private int sampleRate;
    private int bands;
    private double pqmfAttenuation;
    private int capacity;
    private int latentSize;
    private List<Integer> ratios;
    private List<List<Integer>> dilations;
    private int kernelSize;
    private boolean causal;
    private boolean amplitudeModulation;
    private boolean noise;
    private int noiseBands;
    private int discCapacity;
    private int discLayers;
    private List<Integer> periods;
    private int scales;
    private List<Integer> stftSizes;
    private double featureMatchingWeight;
    private double betaStart;
    private double betaEnd;
    private long betaWarmup;
    private long phase1Steps;
    private int discEvery;
    private double lr;
    private double lrDiscriminator;
    private int exampleSize;
    private int batchSize;
    private boolean multibandCrop;

    private Builder() {}

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder sampleRate(int v) {
      sampleRate = v;
      return this;
    }

    public Builder bands(int v) {
      bands = v;
      return this;
    }

    public Builder pqmfAttenuation(double v) {
      pqmfAttenuation = v;
      return this;
    }

    public Builder capacity(int v) {
      capacity = v;
      return this;
    }

    public Builder latentSize(int v) {
      latentSize = v;
      return this;
    }

    public Builder ratios(List<Integer> v) {
      ratios = v;
      return this;
    }

    public Builder dilations(List<List<Integer>> v) {
      dilations = v;
      return this;
    }

    public Builder kernelSize(int v) {
      kernelSize = v;
      return this;
    }

    public Builder causal(boolean v) {
      causal = v;
      return this;
    }

    public Builder amplitudeModulation(boolean v) {
      amplitudeModulation = v;
      return this;
    }

    public Builder noise(boolean v) {
      noise = v;
      return this;
    }

    public Builder noiseBands(int v) {
      noiseBands = v;
      return this;
    }

    public Builder discCapacity(int v) {
      discCapacity = v;
      return this;
    }

    public Builder discLayers(int v) {
      discLayers = v;
      return this;
    }

    public Builder periods(List<Integer> v) {
      periods = v;
      return this;
    }

    public Builder scales(int v) {
      scales = v;
      return this;
    }

    public Builder stftSizes(List<Integer> v) {
      stftSizes = v;
      return this;
    }

    public Builder featureMatchingWeight(double v) {
      featureMatchingWeight = v;
      return this;
    }

    public Builder betaStart(double v) {
      betaStart = v;
      return this;
    }

    public Builder betaEnd(double v) {
      betaEnd = v;
      return this;
    }

    public Builder betaWarmup(long v) {
      betaWarmup = v;
      return this;
    }

    public Builder phase1Steps(long v) {
      phase1Steps = v;
      return this;
    }

    public Builder discEvery(int v) {
      discEvery = v;
      return this;
    }

    public Builder lr(double v) {
      lr = v;
      return this;
    }

    public Builder lrDiscriminator(double v) {
      lrDiscriminator = v;
      return this;
    }

    public Builder exampleSize(int v) {
      exampleSize = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder multibandCrop(boolean v) {
      multibandCrop = v;
      return this;
    }

    /**
     * Sets one field by its name from text, as a config file spells it: numbers, {@code
     * true/false}, lists as {@code 4,4,2} and lists of lists as {@code 1,3,9;1,3}. Fails naming the
     * field and the value when either is wrong.
     */
    public Builder set(String field, String value) {
      String v = value.trim();
      try {
        switch (field) {
          case "name" -> name = v;
          case "sampleRate" -> sampleRate = Integer.parseInt(v);
          case "bands" -> bands = Integer.parseInt(v);
          case "pqmfAttenuation" -> pqmfAttenuation = Double.parseDouble(v);
          case "capacity" -> capacity = Integer.parseInt(v);
          case "latentSize" -> latentSize = Integer.parseInt(v);
          case "ratios" -> ratios = ints(v);
          case "dilations" -> {
            List<List<Integer>> l = new ArrayList<>();
            for (String part : v.split(";")) {
              l.add(ints(part));
            }
            dilations = l;
          }
          case "kernelSize" -> kernelSize = Integer.parseInt(v);
          case "causal" -> causal = bool(v);
          case "amplitudeModulation" -> amplitudeModulation = bool(v);
          case "noise" -> noise = bool(v);
          case "noiseBands" -> noiseBands = Integer.parseInt(v);
          case "discCapacity" -> discCapacity = Integer.parseInt(v);
          case "discLayers" -> discLayers = Integer.parseInt(v);
          case "periods" -> periods = v.isEmpty() ? List.of() : ints(v);
          case "scales" -> scales = Integer.parseInt(v);
          case "stftSizes" -> stftSizes = ints(v);
          case "featureMatchingWeight" -> featureMatchingWeight = Double.parseDouble(v);
          case "betaStart" -> betaStart = Double.parseDouble(v);
          case "betaEnd" -> betaEnd = Double.parseDouble(v);
          case "betaWarmup" -> betaWarmup = Long.parseLong(v);
          case "phase1Steps" -> phase1Steps = Long.parseLong(v);
          case "discEvery" -> discEvery = Integer.parseInt(v);
          case "lr" -> lr = Double.parseDouble(v);
          case "lrDiscriminator" -> lrDiscriminator = Double.parseDouble(v);
          case "exampleSize" -> exampleSize = Integer.parseInt(v);
          case "batchSize" -> batchSize = Integer.parseInt(v);
          case "multibandCrop" -> multibandCrop = bool(v);
          default ->
              throw new IllegalArgumentException(
                  "Unknown RAVE config field '"
                      + field
                      + "': see the fields of org.mvgen.rave.model.RaveConfig (docs/rave.md).");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "RAVE config field '" + field + "' cannot be '" + value + "': " + e.getMessage(), e);
      }
      return this;
    }

    private static List<Integer> ints(String v) {
      List<Integer> l = new ArrayList<>();
      for (String p : v.split(",")) {
        if (!p.isBlank()) {
          l.add(Integer.parseInt(p.trim()));
        }
      }
      return l;
    }

    private static boolean bool(String v) {
      if (v.equalsIgnoreCase("true")) {
        return true;
      }
      if (v.equalsIgnoreCase("false")) {
        return false;
      }
      throw new NumberFormatException("expected true or false");
    }

    public RaveConfig build() {
      return new RaveConfig(
          name,
          sampleRate,
          bands,
          pqmfAttenuation,
          capacity,
          latentSize,
          ratios,
          dilations,
          kernelSize,
          causal,
          amplitudeModulation,
          noise,
          noiseBands,
          discCapacity,
          discLayers,
          periods,
          scales,
          stftSizes,
          featureMatchingWeight,
          betaStart,
          betaEnd,
          betaWarmup,
          phase1Steps,
          discEvery,
          lr,
          lrDiscriminator,
          exampleSize,
          batchSize,
          multibandCrop);
    }
  }
}
