package org.mvgen.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One named optimizer of a task: libtorch's own {@code Adam} or {@code AdamW} over a set of
 * parameters, with the learning-rate {@link Schedule} the loop applies before every step.
 *
 * <p>Why libtorch's optimizers and not mvgen's own: their whole state (step counts, both moments)
 * saves through libtorch's archive format and loads back bit for bit, which {@code
 * TwoPhaseTaskTest} checks for a two-optimizer, two-phase task and {@code DecoderTrainingTest} for
 * the decoder; each update then runs as one native call instead of eight JNI calls per tensor. The
 * loop owns the learning rate ({@link #prepare}); the task calls {@link #zeroGrad} and {@link
 * #step} around its backward pass. Not thread-safe.
 */
public final class Optim implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Optim.class);

  /** Adam's hyper-parameters; {@code decoupled} makes it AdamW. */
  public record Settings(
      double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
    public Settings {
      if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException(
            "Adam betas (" + beta1 + ", " + beta2 + ") must be in [0, 1)");
      }
      if (!(eps > 0) || !(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException(
            "Adam eps ("
                + eps
                + ") must be positive and weight decay ("
                + weightDecay
                + ") a number of at least 0");
      }
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static Settings adam() {
      return new Settings(0.9, 0.999, 1e-8, 0, false);
    }
  }

  /** Called on the gradients before every update (the loop's gradient averaging across ranks). */
  public interface GradientHook {
    void beforeStep(List<Tensor> params);
  }

  private final String name;
  private final Schedule schedule;
  private final Map<String, Tensor> params;
  private final List<Tensor> list;
  private final Optimizer opt;
  private final Device device;
  private GradientHook hook;
  private double lr;
  private long updates;
  private long skipped;

  /** An Adam (or AdamW) optimizer named {@code name} over {@code params}. */
  public Optim(String name, Map<String, Tensor> params, Settings s, Schedule schedule) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("optimizer " + name + " has no parameters");
    }
    this.name = name;
    this.schedule = schedule;
    this.params = new LinkedHashMap<>(params);
    this.list = new ArrayList<>(params.values());
    TensorVector v = new TensorVector(list.toArray(new Tensor[0]));
    this.lr = schedule.peak();
    if (s.decoupled()) {
      AdamWOptions o = new AdamWOptions(lr);
      betas(o.betas(), s);
      o.eps().put(s.eps());
      o.weight_decay().put(s.weightDecay());
      this.opt = new AdamW(v, o);
    } else {
      AdamOptions o = new AdamOptions(lr);
      betas(o.betas(), s);
      o.eps().put(s.eps());
      o.weight_decay().put(s.weightDecay());
      this.opt = new Adam(v, o);
    }
    this.device = list.get(0).device();
  }

  /**
   * Writes the betas into libtorch's {@code std::tuple<double, double>}. libstdc++ lays a tuple out
   * last element first, so {@code get<0>} (beta1) is the second double in memory; {@code OptimTest}
   * checks the resulting updates against Adam's formula.
   */
  private static void betas(org.bytedeco.javacpp.DoublePointer t, Settings s) {
    t.put(0, s.beta2()).put(1, s.beta1());
  }

  public String name() {
    return name;
  }

  public Schedule schedule() {
    return schedule;
  }

  /** The parameters by name (live tensors). */
  public Map<String, Tensor> parameters() {
    return params;
  }

  /** The learning rate of the coming update. */
  public double lr() {
    return lr;
  }

  /** Updates applied by this process. */
  public long updates() {
    return updates;
  }

  /** Sets the learning rate of step {@code step} of {@code total}: the loop calls it. */
  void prepare(long step, long total) {
    lr = schedule.lrAt(step, total);
    for (long i = 0; i < opt.param_groups().size(); i++) {
      opt.param_groups().get(i).options().set_lr(lr);
    }
  }

  /** Installs the loop's gradient hook (null: none). */
  void hook(GradientHook h) {
    this.hook = h;
  }

  /** Clears the gradients of the parameters. */
  public void zeroGrad() {
    opt.zero_grad(true);
  }

  /**
   * Applies one update from the gradients now in the parameters, after the loop's hook (gradient
   * averaging across ranks). An update whose gradients are not all finite is skipped, counted
   * ({@link #skipped}) and logged: one such update would turn every weight it touches into NaN and
   * end the run, and a finite loss can still come back with such gradients (on the 2-core VM mvgen
   * is developed on, under CPU contention, oneDNN's AVX-512 kernels returned NaN gradients for a
   * finite RAVE loss in 4 of 60 identical runs, never with oneDNN limited to AVX2: a platform fault
   * a long run must survive). The check follows the averaging, so every rank skips alike.
   *
   * @return whether the update was applied
   */
  public boolean step() {
    if (hook != null) {
      hook.beforeStep(list);
    }
    if (!finiteGradients()) {
      skipped++;
      if (skipped <= 3 || skipped % 100 == 0) {
        LOG.warn(
            "Optimizer {}: the gradients are not finite; this update is skipped ({} so far in this"
                + " process).",
            name,
            skipped);
      }
      return false;
    }
    opt.step();
    updates++;
    return true;
  }

  /**
   * Whether every defined gradient of the parameters is finite: one reduction per tensor and one
   * read of the result (a single device sync on a GPU); the temporaries are freed here.
   */
  boolean finiteGradients() {
    try (PointerScope scope = new PointerScope()) {
      List<Tensor> all = new ArrayList<>();
      for (Tensor p : list) {
        Tensor g = p.grad();
        if (g != null && !g.isNull() && g.defined()) {
          all.add(torch.isfinite(g).all());
        }
      }
      return all.isEmpty()
          || torch.stack(new TensorVector(all.toArray(new Tensor[0]))).all().item_bool();
    }
  }

  /** Updates skipped in this process because their gradients were not finite. */
  public long skipped() {
    return skipped;
  }

  /** The whole state in libtorch's archive format (moments and step counts of every tensor). */
  byte[] saveState() throws IOException {
    Path tmp = Files.createTempFile("mvgen-optim", ".pt");
    try {
      OutputArchive a = new OutputArchive();
      opt.save(a);
      a.save_to(tmp.toString());
      a.close();
      return Files.readAllBytes(tmp);
    } catch (RuntimeException e) {
      throw new IOException("could not save the state of optimizer " + name + ": " + e, e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Restores a state {@link #saveState} returned for the same parameters. */
  void loadState(byte[] state) throws IOException {
    Path tmp = Files.createTempFile("mvgen-optim", ".pt");
    try {
      Files.write(tmp, state);
      InputArchive a = new InputArchive();
      if (device.is_cpu()) {
        a.load_from(tmp.toString());
      } else {
        a.load_from(tmp.toString(), new DeviceOptional(device));
      }
      opt.load(a);
      a.close();
    } catch (RuntimeException e) {
      throw new IOException("the state of optimizer " + name + " does not load: " + e, e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void close() {
    opt.close();
  }
}
