package org.mvgen.rave;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.EncoderException;
import org.mvgen.torch.Torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AudioEncoder} over a RAVE export. Latent {@code n} of {@link #encode} is the export's
 * latent frame {@code n} (samples {@code [n * hop, (n + 1) * hop)} of its offline grid), whatever
 * the kind of export:
 *
 * <ul>
 *   <li>non-streaming exports run over the whole signal in chunks of {@value #CHUNK} frames with
 *       {@value #CONTEXT} frames of context each side, which equals one pass over the signal for
 *       models whose receptive field is under {@value #CONTEXT} frames each side (RAVE v1 and v2);
 *   <li>streaming exports are stateful and late by {@link #delay()} samples; {@code encode} feeds
 *       {@code (hop - delay % hop) % hop} zeros first and drops the first {@code ceil(delay / hop)}
 *       latents, so that its output lines up with the offline grid. The delay is the user's ({@code
 *       ?delay=}) if given, else computed from the file ({@link RaveModel#fileDelay()}) and
 *       cross-checked with a click measurement (a warning when they disagree), else measured.
 * </ul>
 *
 * <p>Mode {@link Mode#MEAN} (the default) is deterministic: the posterior mean from the module's
 * own submodules and buffers. Mode {@link Mode#SAMPLE} calls the export's own {@code encode}:
 * stochastic for variational exports, as the Python prototype did, and RAVE's codes for discrete
 * ones (which have no mean). The {@link #id()} names everything that changes the latents: the
 * file's weights, the mode and, for streaming exports, the delay. Not thread-safe.
 */
public final class RaveEncoder implements AudioEncoder {
  static final int CHUNK = 256;
  static final int CONTEXT = 16;

  private static final Logger LOG = LoggerFactory.getLogger(RaveEncoder.class);

  /** How latents are computed. */
  public enum Mode {
    MEAN,
    SAMPLE
  }

  /** Where the delay of a streaming export came from. */
  public enum DelaySource {
    /** Not a streaming export: no delay. */
    NONE,
    /** Given by the user ({@code ?delay=} or {@code encoder.rave_delay}). */
    GIVEN,
    /** Computed from the file's cached convolutions: exact. */
    FILE,
    /** Measured with clicks: an estimate (the file did not allow computing it). */
    MEASURED
  }

  private final RaveModel model;
  private final Mode mode;
  private final String spec;
  private final int delay;
  private final DelaySource delaySource;

  /**
   * Wraps a loaded model, which this encoder then owns (closing the encoder closes it). {@code
   * delay < 0} takes the delay of a streaming export from the file, or measures it if the file does
   * not allow computing it; non-streaming exports have none.
   */
  public RaveEncoder(RaveModel model, Mode mode, String spec, int delay) throws EncoderException {
    this.model = model;
    this.mode = mode;
    this.spec = spec;
    if (mode == Mode.MEAN && !model.canMean()) {
      throw new EncoderException(model.whyNoMean());
    }
    if (mode == Mode.SAMPLE && !model.hasEncode()) {
      throw new EncoderException(
          model.file() + " has no 'encode' method; use the default mode (mean) instead.");
    }
    if (!model.streaming()) {
      this.delay = 0;
      this.delaySource = DelaySource.NONE;
    } else if (delay >= 0) {
      this.delay = delay;
      this.delaySource = DelaySource.GIVEN;
    } else if (model.fileDelay().isPresent()) {
      this.delay = model.fileDelay().getAsInt();
      this.delaySource = DelaySource.FILE;
      crossCheck();
    } else {
      this.delay = measureDelay();
      this.delaySource = DelaySource.MEASURED;
    }
  }

  /**
   * Compares the delay computed from the file with a click measurement, and warns when they differ
   * by more than a quarter of a hop. The computed one is used either way: the measurement is known
   * to fall a few hundred samples short on RAVE v2 layouts, and to vary with the weights.
   */
  private void crossCheck() throws EncoderException {
    // Coarsely (to an eighth of a hop: 8 encodes instead of 24), on signals long enough for the
    // response to a click, late by the delay, to end inside.
    int frames = Integer.highestOneBit(Math.max(16, 2 * (delay / hop() + 16)) - 1) << 1;
    int measured = measureDelay(hop() / 8, frames);
    if (Math.abs(measured - delay) > hop() / 4) {
      LOG.warn(
          "{}: the delay computed from its cached convolutions is {} samples, a click measurement"
              + " gives {}. mvgen uses {}. If the latents of this export look misaligned in time,"
              + " give the delay yourself: rave:{}?delay=SAMPLES",
          model.file(),
          delay,
          measured,
          delay,
          model.file());
    } else {
      LOG.debug("{}: delay {} samples, measured {}", model.file(), delay, measured);
    }
  }

  public RaveModel model() {
    return model;
  }

  public Mode mode() {
    return mode;
  }

  /** Whether {@link #delay()} was measured (an estimate) rather than given or computed. */
  public boolean delayMeasured() {
    return delaySource == DelaySource.MEASURED;
  }

  public DelaySource delaySource() {
    return delaySource;
  }

  @Override
  public String id() {
    // Everything that changes the values: the file's hash names the weights (and with them the
    // input mode, channels and layout); the mode changes what the latents are; a streaming
    // export's delay moves every latent in time, so latents of another delay are other latents.
    return "rave-"
        + model.fingerprint()
        + (mode == Mode.SAMPLE ? "-sample" : "")
        + (model.streaming() ? "-delay" + delay : "");
  }

  @Override
  public String spec() {
    return spec;
  }

  @Override
  public int sampleRate() {
    return model.sampleRate();
  }

  @Override
  public int latentSize() {
    return model.latentSize();
  }

  @Override
  public int hop() {
    return model.hop();
  }

  @Override
  public int delay() {
    return delay;
  }

  private Tensor run(JitModule m, float[] x, int off, int len) {
    Tensor in = model.input(x, off, len);
    return mode == Mode.MEAN ? model.mean(m, in) : model.sample(m, in);
  }

  /**
   * Copies {@code [1, D, T]} latents into rows {@code from ..} of {@code out}, skipping {@code
   * skip}.
   */
  private static int copyFrames(Tensor z, int skip, float[][] out, int from) {
    int d = (int) z.size(1);
    int t = (int) z.size(2);
    float[] v = Torch.floats(z);
    int row = from;
    for (int j = skip; j < t && row < out.length; j++, row++) {
      float[] r = new float[d];
      for (int i = 0; i < d; i++) {
        r[i] = v[i * t + j];
      }
      out[row] = r;
    }
    return row;
  }

  @Override
  public float[][] encode(float[] pcm) throws EncoderException {
    int hop = hop();
    int n = (pcm.length + hop - 1) / hop;
    float[][] out = new float[n][];
    if (n == 0) {
      return out;
    }
    try {
      if (model.streaming()) {
        encodeStreaming(pcm, out);
      } else {
        encodeChunked(pcm, out);
      }
    } catch (RuntimeException e) {
      throw new EncoderException(
          model.file() + " failed while encoding: " + String.valueOf(e.getMessage()).strip(), e);
    }
    return out;
  }

  private void encodeChunked(float[] pcm, float[][] out) {
    int hop = hop();
    int n = out.length;
    float[] x = java.util.Arrays.copyOf(pcm, n * hop); // last partial hop zero-padded
    JitModule m = model.fresh();
    for (int f0 = 0; f0 < n; f0 += CHUNK) {
      try (PointerScope scope = new PointerScope()) {
        int a = Math.max(0, f0 - CONTEXT);
        int b = Math.min(n, f0 + CHUNK + CONTEXT);
        Tensor z = run(m, x, a * hop, (b - a) * hop);
        copyFramesRange(z, f0 - a, Math.min(CHUNK, n - f0), out, f0);
      }
    }
  }

  private static void copyFramesRange(Tensor z, int skip, int count, float[][] out, int from) {
    float[][] tmp = new float[count][];
    copyFrames(z, skip, tmp, 0);
    System.arraycopy(tmp, 0, out, from, count);
  }

  private void encodeStreaming(float[] pcm, float[][] out) {
    int hop = hop();
    int n = out.length;
    int pre = (hop - delay % hop) % hop;
    int drop = (delay + hop - 1) / hop;
    // pre + pcm + zeros: (drop + n) frames in all, so the last latent's audio is flushed through.
    float[] x = new float[(drop + n) * hop];
    System.arraycopy(pcm, 0, x, pre, pcm.length);
    JitModule m = model.fresh();
    int row = 0;
    int skip = drop;
    for (int f0 = 0; f0 < drop + n; f0 += CHUNK) {
      try (PointerScope scope = new PointerScope()) {
        int frames = Math.min(CHUNK, drop + n - f0);
        Tensor z = run(m, x, f0 * hop, frames * hop);
        int s = Math.min(skip, frames);
        row = copyFrames(z, s, out, row);
        skip -= s;
      }
    }
  }

  /**
   * Estimates the delay of a streaming export from clicks: the span {@code A} of audio before a
   * latent's time and {@code B} after it that influence it are found to the sample by moving a
   * click; a centred encoder made causal is late by half the difference, {@code (A - B) / 2}. Exact
   * for encoders whose padding is symmetric at every layer; within a few hundred samples for RAVE
   * v2, whose strided layers pad one sample more on the right.
   */
  private int measureDelay() throws EncoderException {
    return measureDelay(1, 16);
  }

  /**
   * The click measurement to within {@code precision} samples, starting with signals of {@code
   * frames} frames (doubled while the response reaches their end). A cross-check only needs to see
   * a disagreement of a quarter hop, so it measures coarsely.
   */
  private int measureDelay(int precision, int startFrames) throws EncoderException {
    int hop = hop();
    silences.clear();
    for (int frames = startFrames; frames <= 512; frames *= 2) {
      int p0 = 4 * hop;
      int[] base = span(p0, frames);
      if (base == null || base[1] >= frames - 2) {
        continue; // the response reaches the end: longer signal
      }
      // A: n_last(p) = floor((p + A) / hop). Smallest p in (p0, p0 + hop] where it increments.
      int lo = p0;
      int hi = p0 + hop;
      while (hi - lo > precision) {
        int mid = (lo + hi) >>> 1;
        if (span(mid, frames)[1] > base[1]) {
          hi = mid;
        } else {
          lo = mid;
        }
      }
      int a = (base[1] + 1) * hop - hi;
      // B: n_first(p) = smallest n with n * hop + B >= p. Smallest p where it increments.
      lo = p0;
      hi = p0 + hop;
      while (hi - lo > precision) {
        int mid = (lo + hi) >>> 1;
        if (span(mid, frames)[0] > base[0]) {
          hi = mid;
        } else {
          lo = mid;
        }
      }
      int b = hi - 1 - base[0] * hop;
      return Math.max(0, (a - b + 1) / 2);
    }
    throw new EncoderException(
        model.file()
            + ": could not measure the delay of this streaming export (no response to a click"
            + " within 512 frames). Give it: rave:"
            + model.file()
            + "?delay=SAMPLES");
  }

  /** Latents of silence by signal length in frames, during one measurement. */
  private final java.util.Map<Integer, float[]> silences = new java.util.HashMap<>();

  /** First and last latent frames that change when a click is added at sample p; null if none. */
  private int[] span(int p, int frames) {
    int hop = hop();
    float[] click = new float[frames * hop];
    click[p] = 0.5f;
    try (PointerScope scope = new PointerScope()) {
      // The same seed for both: in sample mode the export's encode then draws the same noise, so
      // only the click changes the latents (and the mean is never computed in that mode).
      float[] s =
          silences.computeIfAbsent(
              frames,
              f -> {
                torch.manual_seed(29);
                return Torch.floats(run(model.fresh(), new float[f * hop], 0, f * hop));
              });
      torch.manual_seed(29);
      float[] c = Torch.floats(run(model.fresh(), click, 0, click.length));
      int d = model.latentSize();
      int first = -1;
      int last = -1;
      for (int j = 0; j < frames; j++) {
        for (int i = 0; i < d; i++) {
          if (s[i * frames + j] != c[i * frames + j]) {
            if (first < 0) {
              first = j;
            }
            last = j;
            break;
          }
        }
      }
      return first < 0 ? null : new int[] {first, last};
    }
  }

  @Override
  public Session openSession() {
    return model.streaming() ? new StreamingSession() : new WindowSession();
  }

  /** Feeds a streaming export in whole hops; the first ceil(delay / hop) latents are dropped. */
  private final class StreamingSession implements Session {
    private JitModule m = model.fresh();
    private float[] pending = new float[4 * hop()];
    private int count;
    private int toDrop;

    StreamingSession() {
      reset();
    }

    @Override
    public float[][] push(float[] pcm, int off, int len) throws EncoderException {
      int hop = hop();
      if (count + len > pending.length) {
        pending = java.util.Arrays.copyOf(pending, Math.max(2 * pending.length, count + len));
      }
      System.arraycopy(pcm, off, pending, count, len);
      count += len;
      int whole = count / hop * hop;
      if (whole == 0) {
        return new float[0][];
      }
      List<float[]> out = new ArrayList<>();
      try (PointerScope scope = new PointerScope()) {
        Tensor z = run(m, pending, 0, whole);
        int t = (int) z.size(2);
        int s = Math.min(toDrop, t);
        toDrop -= s;
        float[][] rows = new float[t - s][];
        copyFrames(z, s, rows, 0);
        out.addAll(List.of(rows));
      } catch (RuntimeException e) {
        throw new EncoderException(model.file() + " failed while streaming: " + e.getMessage(), e);
      }
      System.arraycopy(pending, whole, pending, 0, count - whole);
      count -= whole;
      return out.toArray(new float[0][]);
    }

    @Override
    public void reset() {
      m = model.fresh();
      int hop = hop();
      count = (hop - delay % hop) % hop; // zeros in front, as in encode()
      java.util.Arrays.fill(pending, 0, Math.min(pending.length, count), 0f);
      toDrop = (delay + hop - 1) / hop;
    }

    @Override
    public void close() {}
  }

  /**
   * For a non-streaming export: each completed hop re-encodes the last {@value #CONTEXT} frames and
   * emits the newest latent (its right context is the export's zero padding: it cannot wait).
   */
  private final class WindowSession implements Session {
    private final float[] history = new float[CONTEXT * hop()];
    private int sinceLatent;
    private final JitModule m = model.fresh();

    @Override
    public float[][] push(float[] pcm, int off, int len) throws EncoderException {
      int hop = hop();
      List<float[]> out = new ArrayList<>();
      int i = 0;
      while (i < len) {
        int take = Math.min(len - i, hop - sinceLatent);
        System.arraycopy(history, take, history, 0, history.length - take);
        System.arraycopy(pcm, off + i, history, history.length - take, take);
        i += take;
        sinceLatent += take;
        if (sinceLatent == hop) {
          sinceLatent = 0;
          try (PointerScope scope = new PointerScope()) {
            Tensor z = run(m, history, 0, history.length);
            float[][] rows = new float[1][];
            copyFrames(z, (int) z.size(2) - 1, rows, 0);
            out.add(rows[0]);
          } catch (RuntimeException e) {
            throw new EncoderException(model.file() + " failed: " + e.getMessage(), e);
          }
        }
      }
      return out.toArray(new float[0][]);
    }

    @Override
    public void reset() {
      java.util.Arrays.fill(history, 0);
      sinceLatent = 0;
    }

    @Override
    public void close() {}
  }

  @Override
  public void close() {
    model.close();
  }
}
