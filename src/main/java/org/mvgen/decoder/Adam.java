package org.mvgen.decoder;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Adam (Kingma and Ba, 2015) over named parameters, written with libtorch tensor ops so that its
 * whole state (step count, first and second moments) is plain named tensors saved with every
 * checkpoint: that is what makes {@code --resume} continue bit for bit.
 */
final class Adam {
  private final Map<String, Tensor> params;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Map<String, Tensor> m = new LinkedHashMap<>();
  private final Map<String, Tensor> v = new LinkedHashMap<>();
  private long step;

  Adam(Map<String, Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
    this.params = params;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    for (Map.Entry<String, Tensor> e : params.entrySet()) {
      m.put(e.getKey(), torch.zeros_like(e.getValue()));
      v.put(e.getKey(), torch.zeros_like(e.getValue()));
    }
  }

  /** Applies one update with learning rate {@code lr} from the gradients now in the parameters. */
  void step(double lr) {
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2 = 1 - Math.pow(beta2, step);
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor p = e.getValue();
        Tensor grad = p.grad();
        if (grad == null || grad.isNull() || !grad.defined()) {
          continue;
        }
        if (weightDecay != 0) {
          grad = grad.add(p, new Scalar(weightDecay));
        }
        Tensor mi = m.get(e.getKey());
        Tensor vi = v.get(e.getKey());
        mi.mul_(new Scalar(beta1)).add_(grad, new Scalar(1 - beta1));
        vi.mul_(new Scalar(beta2)).add_(grad.mul(grad), new Scalar(1 - beta2));
        Tensor denom = vi.sqrt().div_(new Scalar(Math.sqrt(bc2))).add_(new Scalar(eps));
        p.add_(mi.div(denom), new Scalar(-lr / bc1));
      }
    }
  }

  /** Clears the gradients of all parameters. */
  void zeroGrad() {
    for (Tensor p : params.values()) {
      Tensor grad = p.grad();
      if (grad != null && !grad.isNull() && grad.defined()) {
        grad.zero_();
      }
    }
  }

  long steps() {
    return step;
  }

  /** The state as named tensors ({@code m.NAME}, {@code v.NAME}, {@code step}). */
  Map<String, Tensor> state() {
    Map<String, Tensor> s = new LinkedHashMap<>();
    m.forEach((k, t) -> s.put("m." + k, t));
    v.forEach((k, t) -> s.put("v." + k, t));
    s.put("step", Tensor.create(new long[] {step}, 1));
    return s;
  }

  /** Restores the state {@link #state} returned. */
  void load(Map<String, Tensor> s) throws java.io.IOException {
    Map<String, Tensor> live = new LinkedHashMap<>();
    m.forEach((k, t) -> live.put("m." + k, t));
    v.forEach((k, t) -> live.put("v." + k, t));
    Map<String, Tensor> values = new LinkedHashMap<>(s);
    Tensor st = values.remove("step");
    if (st == null) {
      throw new java.io.IOException("optimizer state has no step count");
    }
    TensorState.copyInto(live, values, "optimizer state");
    step = st.item_long();
  }

  /** Frees the moment tensors. */
  void close() {
    m.values().forEach(Tensor::close);
    v.values().forEach(Tensor::close);
  }
}
