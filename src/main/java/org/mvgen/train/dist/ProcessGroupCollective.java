package org.mvgen.train.dist;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.mvgen.MvgenException;
import org.mvgen.torch.Torch;
import org.mvgen.train.Collective;
import org.mvgen.train.RankLostException;

/**
 * A {@link Collective} on libtorch's c10d: a {@code TCPStore} served by rank 0 for the rendezvous,
 * and Gloo (CPU tensors) or NCCL (CUDA tensors, the {@code -Pcuda} build) for the collectives.
 *
 * <p>Ownership: the Java {@code TCPStore} owns the native store and the process group keeps only a
 * reference to it, so this object keeps the store reachable for as long as the group lives and
 * closes the group first. Gradients are averaged as one flat buffer per update (a copy in, one
 * allreduce, a copy out): what PyTorch DDP does in buckets during backward, here after it.
 */
public final class ProcessGroupCollective implements Collective {
  private final DistEnv env;
  private final TCPStore store;
  private final Backend group;
  private final Device device;
  private final Duration timeout;
  private boolean closed;
  private long allreduceNanos;
  private long allreduceCalls;

  private ProcessGroupCollective(
      DistEnv env, TCPStore store, Backend group, Device device, Duration timeout) {
    this.env = env;
    this.store = store;
    this.group = group;
    this.device = device;
    this.timeout = timeout;
  }

  /**
   * Joins the run {@code env} describes: rank 0 serves the store, every rank waits for the others
   * up to {@code timeout}. {@code iface} names the network interface to use across machines (null:
   * the one that routes to the master, or {@code GLOO_SOCKET_IFNAME}).
   */
  public static ProcessGroupCollective connect(
      DistEnv env, Device device, Duration timeout, String iface) throws MvgenException {
    Torch.load();
    long ms = timeout.toMillis();
    TCPStore store;
    try {
      TCPStoreOptions o = new TCPStoreOptions();
      o.port((short) env.masterPort());
      o.isServer(env.rank() == 0);
      o.waitWorkers(false);
      o.timeout(new Milliseconds(ms));
      store = new TCPStore(env.masterAddr(), o);
    } catch (RuntimeException e) {
      throw new MvgenException(
          "Rank "
              + env.rank()
              + " of "
              + env.world()
              + " could not reach the rendezvous at "
              + env.masterAddr()
              + ":"
              + env.masterPort()
              + " ("
              + cppMessage(e)
              + "). Check that rank 0 runs, that MASTER_ADDR/MASTER_PORT (or --port) agree on every"
              + " rank and that the port is free.",
          e);
    }
    Backend group;
    try {
      if (device.is_cuda()) {
        group = nccl(store, env);
      } else {
        ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(new Milliseconds(ms));
        String ifname = iface != null ? iface : System.getenv("GLOO_SOCKET_IFNAME");
        opts.devices(
            new GlooDeviceVector(
                ifname != null && !ifname.isBlank()
                    ? ProcessGroupGloo.createDeviceForInterface(ifname)
                    : ProcessGroupGloo.createDeviceForHostname(localAddressTowards(env))));
        opts.threads(2);
        group = new ProcessGroupGloo(store, env.rank(), env.world(), opts);
      }
    } catch (RuntimeException e) {
      store.close();
      throw new MvgenException(
          "Rank "
              + env.rank()
              + " of "
              + env.world()
              + " could not form the process group within "
              + timeout.toSeconds()
              + " s ("
              + cppMessage(e)
              + "). Every rank must start; a missing one is named by the keys above.",
          e);
    }
    return new ProcessGroupCollective(env, store, group, device, timeout);
  }

  /** NCCL's process group, from the GPU natives (absent from the CPU build: named, not linked). */
  private static Backend nccl(TCPStore store, DistEnv env) throws MvgenException {
    try {
      Class<?> c = Class.forName("org.bytedeco.pytorch.nccl.ProcessGroupNCCL");
      return (Backend)
          c.getConstructor(org.bytedeco.pytorch.Store.class, int.class, int.class)
              .newInstance(store, env.rank(), env.world());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new MvgenException(
          "Training on CUDA across processes needs NCCL, which only the CUDA build has: build"
              + " mvgen with 'mvn -Pcuda package'.",
          e);
    }
  }

  /** This machine's address on the route to the master (loopback when the master is here). */
  private static String localAddressTowards(DistEnv env) {
    try (DatagramSocket s = new DatagramSocket()) {
      s.connect(new InetSocketAddress(InetAddress.getByName(env.masterAddr()), env.masterPort()));
      return s.getLocalAddress().getHostAddress();
    } catch (IOException | RuntimeException e) {
      return "127.0.0.1";
    }
  }

  @Override
  public int rank() {
    return env.rank();
  }

  @Override
  public int size() {
    return env.world();
  }

  @Override
  public void broadcast(List<Tensor> tensors) {
    if (tensors.isEmpty()) {
      return;
    }
    // Gloo broadcasts equal-sized tensors only (one per device): send one flat buffer.
    try (NoGradGuard g = new NoGradGuard()) {
      List<Tensor> floats = new ArrayList<>();
      List<Tensor> others = new ArrayList<>();
      for (Tensor t : tensors) {
        (t.scalar_type() == torch.ScalarType.Float ? floats : others).add(t);
      }
      if (!floats.isEmpty()) {
        Tensor buf = buffer(floats);
        long off = 0;
        for (Tensor t : floats) {
          buf.narrow(0, off, t.numel()).copy_(t.reshape(-1));
          off += t.numel();
        }
        broadcastOne(buf);
        off = 0;
        for (Tensor t : floats) {
          t.copy_(buf.narrow(0, off, t.numel()).view(t.sizes()));
          off += t.numel();
        }
      }
      for (Tensor t : others) {
        // Counters (batch norm's num_batches_tracked): few and small, one by one.
        broadcastOne(t);
      }
    }
  }

  private void broadcastOne(Tensor t) {
    try {
      BroadcastOptions o = new BroadcastOptions();
      o.rootRank(0);
      group.broadcast(new TensorVector(t), o)._wait();
    } catch (RuntimeException e) {
      throw lost("a broadcast", e);
    }
  }

  /** A flat float buffer the size of {@code tensors} on this rank's device. */
  private Tensor buffer(List<Tensor> tensors) {
    long n = 0;
    for (Tensor p : tensors) {
      n += p.numel();
    }
    Tensor f =
        torch.empty(
            new long[] {n},
            new TensorOptions(torch.ScalarType.Float),
            new org.bytedeco.pytorch.MemoryFormatOptional());
    return device.is_cuda() ? f.to(device, torch.ScalarType.Float) : f;
  }

  @Override
  public void averageGradients(List<Tensor> params) {
    long t0 = System.nanoTime();
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor buf = buffer(params);
      long off = 0;
      List<Tensor> grads = new ArrayList<>();
      for (Tensor p : params) {
        Tensor gr = p.grad();
        Tensor slice = buf.narrow(0, off, p.numel());
        boolean defined = gr != null && !gr.isNull() && gr.defined();
        if (defined) {
          slice.copy_(gr.reshape(-1));
        } else {
          slice.zero_();
        }
        grads.add(defined ? gr : null);
        off += p.numel();
      }
      allreduceSum(buf, "averaging gradients");
      buf.div_(new org.bytedeco.pytorch.Scalar((double) env.world()));
      off = 0;
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        if (grads.get(i) != null) {
          grads.get(i).copy_(buf.narrow(0, off, p.numel()).view(p.sizes()));
        }
        off += p.numel();
      }
    } finally {
      allreduceNanos += System.nanoTime() - t0;
      allreduceCalls++;
    }
  }

  /**
   * Wall time spent in {@link #averageGradients} so far (copies in and out plus the allreduce), in
   * nanoseconds, and the number of calls: for benchmarks ({@code MVGEN_DIST_TIMING=1} makes the
   * {@code Trainer} print it at the end of a run).
   */
  @Override
  public long[] gradientAveraging() {
    return new long[] {allreduceNanos, allreduceCalls};
  }

  @Override
  public double[] sum(double[] values) {
    Tensor t = Tensor.create(values, values.length);
    if (device.is_cuda()) {
      t = t.to(device, torch.ScalarType.Double);
    }
    allreduceSum(t, "summing figures");
    Tensor c = t.cpu();
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = c.select(0, i).item_double();
    }
    return out;
  }

  private void allreduceSum(Tensor t, String what) {
    try {
      AllreduceOptions o = new AllreduceOptions();
      o.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
      group.allreduce(new TensorVector(t), o)._wait();
    } catch (RuntimeException e) {
      throw lost(what, e);
    }
  }

  @Override
  public void reportFailure(String message) {
    try {
      store.set("mvgen/failed/" + env.rank(), bytes(message));
    } catch (RuntimeException e) {
      // The store went with rank 0: the others learn of this rank's end from the broken link.
    }
  }

  private static ByteVector bytes(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    ByteVector v = new ByteVector(b.length);
    for (int i = 0; i < b.length; i++) {
      v.put(i, b[i]);
    }
    return v;
  }

  /** A failed collective, with which ranks said they failed (or that none could be asked). */
  private RankLostException lost(String what, RuntimeException e) {
    List<String> said = new ArrayList<>();
    List<Integer> silent = new ArrayList<>();
    boolean storeUp = true;
    for (int r = 0; r < env.world() && storeUp; r++) {
      if (r == env.rank()) {
        continue;
      }
      try {
        String key = "mvgen/failed/" + r;
        if (store.check(new StringVector(key))) {
          ByteVector v = store.get(key);
          byte[] b = new byte[(int) v.size()];
          for (int i = 0; i < b.length; i++) {
            b[i] = v.get(i);
          }
          said.add("rank " + r + ": " + new String(b, StandardCharsets.UTF_8));
        } else {
          silent.add(r);
        }
      } catch (RuntimeException storeGone) {
        storeUp = false;
      }
    }
    String who;
    if (!storeUp) {
      who = "rank 0, which also serves the rendezvous, is gone (killed, or its machine is down)";
    } else if (!said.isEmpty()) {
      who = String.join("; ", said);
    } else {
      who =
          (silent.size() == 1 ? "rank " + silent.get(0) : "one of ranks " + silent)
              + " stopped without a word (killed, out of memory, or its network is down)";
    }
    return new RankLostException(
        "Rank "
            + env.rank()
            + " of "
            + env.world()
            + " lost the other processes while "
            + what
            + ": "
            + who
            + " ("
            + cppMessage(e)
            + "). Every rank stops; continue the run from its last checkpoint with --resume.",
        e);
  }

  /** The first line of a c10d error, without libtorch's C++ stack. */
  static String cppMessage(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).trim();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    group.close();
    store.close();
  }

  /** The configured collective timeout. */
  public Duration timeout() {
    return timeout;
  }
}
