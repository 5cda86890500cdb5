package org.mvgen.torch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads mvgen's own libtorch once and converts between Java arrays and tensors.
 *
 * <pre>
 * Torch.load();                       // seconds on first use: extracts and maps ~330 MB
 * Torch.threads(2);
 * try (Tensor t = Torch.tensor(values, 4, 8)) { ... }
 * </pre>
 *
 * <p>Why the loading is done by hand: JavaCPP extracts the libraries of the pytorch jar into its
 * cache one at a time and loads {@code libtorch.so} before {@code libtorch_cpu.so} is extracted.
 * {@code libtorch.so} only says {@code NEEDED libtorch_cpu.so} with {@code RUNPATH $ORIGIN}, so on
 * a fresh cache (or whenever {@code LD_LIBRARY_PATH} names a system lib directory) the dynamic
 * linker satisfies it from the system: with Debian's {@code python3-torch} installed that is {@code
 * /usr/lib/x86_64-linux-gnu/libtorch_cpu.so} (1.13), mapped beside the 2.10 one, and the JVM
 * crashes in static initialisers. The fix: extract the whole native directory first, then {@link
 * System#load} the libraries by absolute path in dependency order. The dynamic linker matches a
 * later {@code NEEDED libtorch_cpu.so} against the soname of the already loaded copy and never
 * searches, whatever {@code LD_LIBRARY_PATH} says. Afterwards {@code /proc/self/maps} is checked:
 * any libtorch or libc10 mapped from outside the JavaCPP cache is an error.
 */
public final class Torch {
  /** Libraries of the pytorch jar in the order their dependencies require. */
  private static final String[] ORDER = {
    "libgomp.so.1", "libc10.so", "libtorch_cpu.so", "libtorch.so"
  };

  private static final Pattern TORCH_LIB =
      Pattern.compile(".*/lib(torch|torch_cpu|torch_cuda|c10|c10_cuda)(\\.so|-).*");

  private static volatile boolean loaded;
  private static Path nativeDir;

  private Torch() {}

  /**
   * Loads libtorch from the JavaCPP cache (extracting it on first use) and checks that no other
   * libtorch is mapped into the process. Idempotent and thread-safe.
   */
  public static void load() throws TorchException {
    if (loaded) {
      return;
    }
    synchronized (Torch.class) {
      if (loaded) {
        return;
      }
      if (Boolean.parseBoolean(System.getProperty("org.bytedeco.javacpp.pathsFirst", "false"))) {
        // pathsFirst makes JavaCPP try java.library.path (/usr/lib/x86_64-linux-gnu on Debian)
        // before its cache, which is exactly how a system libtorch gets in.
        System.setProperty("org.bytedeco.javacpp.pathsFirst", "false");
      }
      try {
        // OpenBLAS first: libtorch_cpu.so needs libopenblas.so.0, matched by soname once loaded.
        Loader.load(org.bytedeco.openblas.global.openblas.class);
        String dir = "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
        File[] files = Loader.cacheResources(torch.class, dir);
        if (files == null || files.length == 0) {
          throw new TorchException(
              "The libtorch natives for platform "
                  + Loader.getPlatform()
                  + " are not on the class path (no "
                  + dir
                  + " in the pytorch jar). Build mvgen for this platform: mvn package"
                  + " -Djavacpp.platform="
                  + Loader.getPlatform());
        }
        nativeDir = files[0].toPath().toRealPath();
        for (String name : ORDER) {
          Path p = nativeDir.resolve(name);
          if (Files.exists(p)) {
            System.load(p.toString());
          }
        }
        Loader.load(torch.class);
      } catch (IOException | UnsatisfiedLinkError e) {
        throw new TorchException(
            "Could not load libtorch from the JavaCPP cache ("
                + e.getMessage()
                + "). Delete ~/.javacpp/cache and run again; if it persists, check free disk space.",
            e);
      }
      List<String> foreign = foreignLibraries();
      if (!foreign.isEmpty()) {
        throw new TorchException(
            "A libtorch other than mvgen's own is loaded into this process: "
                + String.join(", ", foreign)
                + ". Unset LD_LIBRARY_PATH / LD_PRELOAD (or remove the system libtorch"
                + " directory from them) and run again.");
      }
      quietNnpack();
      loaded = true;
    }
  }

  /**
   * Turns NNPACK off. libtorch considers NNPACK for CPU convolutions and, on CPUs NNPACK does not
   * support (AMD EPYC among them), prints {@code Could not initialize NNPACK! Reason: Unsupported
   * hardware.} when it asks: dozens of lines per encode. With NNPACK off it no longer asks. On such
   * CPUs nothing else changes (NNPACK never ran there); on CPUs NNPACK supports, the convolutions
   * libtorch would have given it run on its other CPU paths (as PyTorch's {@code
   * torch.backends.nnpack.set_flags(False)} does).
   */
  private static void quietNnpack() {
    torch.globalContext().setUserEnabledNNPACK(false);
  }

  /**
   * Loads libtorch ({@link #load}) and sets its CPU threads ({@code threads <= 0} keeps libtorch's
   * default).
   */
  public static void load(int threads) throws TorchException {
    load();
    threads(threads);
  }

  /** The directory the libtorch libraries were loaded from. */
  public static Path nativeDirectory() throws TorchException {
    load();
    return nativeDir;
  }

  /**
   * Files of libtorch/libc10 libraries mapped into this process, as {@code /proc/self/maps} says.
   */
  public static Set<String> mappedTorchLibraries() {
    Set<String> libs = new LinkedHashSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash >= 0 && TORCH_LIB.matcher(line).matches()) {
          libs.add(line.substring(slash).trim());
        }
      }
    } catch (IOException e) {
      // Not Linux: nothing to check; the loading order above still applies.
    }
    return libs;
  }

  private static List<String> foreignLibraries() {
    List<String> foreign = new ArrayList<>();
    for (String lib : mappedTorchLibraries()) {
      Path p = Path.of(lib);
      try {
        p = p.toRealPath();
      } catch (IOException e) {
        // Deleted or unreadable file: judge it by the name the kernel reports.
      }
      if (!p.startsWith(nativeDir)) {
        foreign.add(lib);
      }
    }
    return foreign;
  }

  /** Sets libtorch's intra-op thread count; {@code n <= 0} keeps libtorch's default. */
  public static void threads(int n) throws TorchException {
    load();
    if (n > 0 && torch.get_num_threads() != n) {
      torch.set_num_threads(n);
    }
  }

  /** The intra-op thread count in effect. */
  public static int threads() throws TorchException {
    load();
    return torch.get_num_threads();
  }

  /**
   * The device named by {@code name} ({@code cpu}, {@code cuda}, {@code cuda:1}, or {@code auto}
   * for CUDA when present, else CPU). Fails with a message that says how to get a CUDA build.
   */
  public static Device device(String name) throws TorchException {
    load();
    String n = name == null ? "cpu" : name.trim().toLowerCase(Locale.ROOT);
    if (n.equals("auto")) {
      return cudaAvailable() ? new Device("cuda") : new Device("cpu");
    }
    if (n.equals("cpu")) {
      return new Device("cpu");
    }
    if (n.startsWith("cuda")) {
      if (!cudaAvailable()) {
        throw new TorchException(
            "Device '"
                + name
                + "' was asked for, but this mvgen has no CUDA build of libtorch or no CUDA GPU is"
                + " visible. Build with the CUDA profile (mvn -Pcuda package, needs an NVIDIA"
                + " driver) or use --device cpu.");
      }
      return new Device(n);
    }
    throw new TorchException(
        "Unknown device '" + name + "': use cpu, cuda, cuda:N or auto (cuda when present).");
  }

  /** Whether a CUDA device can be used by this libtorch. */
  public static boolean cudaAvailable() throws TorchException {
    load();
    try {
      return torch.cuda_is_available();
    } catch (Throwable t) {
      return false;
    }
  }

  /** A new float32 CPU tensor holding a copy of {@code data}, with the given shape. */
  public static Tensor tensor(float[] data, long... shape) {
    return tensor(data, 0, shape);
  }

  /** A new float32 CPU tensor holding a copy of the values of {@code data} from {@code off}. */
  public static Tensor tensor(float[] data, int off, long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    int len = (int) n;
    if (off + n > data.length) {
      throw new IllegalArgumentException(
          "shape "
              + java.util.Arrays.toString(shape)
              + " needs "
              + n
              + " values from "
              + off
              + ", array has "
              + data.length);
    }
    Tensor t = torch.empty(shape);
    try (FloatPointer p = new FloatPointer(t.data_ptr_float())) {
      p.put(data, off, len);
    }
    return t;
  }

  /** A new uint8 CPU tensor holding a copy of the values of {@code data} from {@code off}. */
  public static Tensor bytes(byte[] data, int off, long[] shape) {
    long len = 1;
    for (long s : shape) {
      len *= s;
    }
    Tensor t =
        torch.empty(
            shape,
            new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Byte),
            new org.bytedeco.pytorch.MemoryFormatOptional());
    try (BytePointer p = new BytePointer(t.data_ptr_byte())) {
      p.put(data, off, (int) len);
    }
    return t;
  }

  /** Copies a float32 tensor (any device, any layout) into {@code dst[off...]}. */
  public static void copy(Tensor t, float[] dst, int off) {
    try (Tensor c = t.device().is_cpu() ? t.contiguous() : t.cpu().contiguous()) {
      long n = c.numel();
      try (FloatPointer p = new FloatPointer(c.data_ptr_float())) {
        p.get(dst, off, (int) n);
      }
    }
  }

  /** A Java array copy of a tensor's values, row-major, converted to float32 if need be. */
  public static float[] floats(Tensor t) {
    float[] out = new float[(int) t.numel()];
    if (t.scalar_type() == torch.ScalarType.Float) {
      copy(t, out, 0);
    } else {
      try (Tensor f = t.to(torch.ScalarType.Float)) {
        copy(f, out, 0);
      }
    }
    return out;
  }

  /** A new int64 CPU tensor of the given values, shape {@code [values.length]}. */
  public static Tensor longs(long... values) {
    return Tensor.create(values, values.length);
  }

  /** The values of an integer (or any real) tensor as int64, row-major. */
  public static long[] longValues(Tensor t) {
    try (Tensor c = t.to(torch.ScalarType.Long).contiguous()) {
      long[] out = new long[(int) c.numel()];
      java.nio.LongBuffer b = c.createBuffer();
      b.get(out);
      return out;
    }
  }

  /**
   * The tensor that {@code v} holds, as a handle of its own. {@code IValue.toTensor()} returns a
   * reference into the IValue, which dangles once the IValue is freed or collected (a crash minutes
   * later, at the next garbage collection); this copies the handle (not the data) while {@code v}
   * is alive.
   */
  public static Tensor tensorOf(org.bytedeco.pytorch.IValue v) {
    Tensor t = new Tensor(v.toTensor());
    java.lang.ref.Reference.reachabilityFence(v);
    return t;
  }

  /** Copies a uint8 tensor into {@code dst[off...]}. */
  public static void copy(Tensor t, byte[] dst, int off) {
    try (Tensor c = t.device().is_cpu() ? t.contiguous() : t.cpu().contiguous()) {
      long n = c.numel();
      try (BytePointer p = new BytePointer(c.data_ptr_byte())) {
        p.get(dst, off, (int) n);
      }
    }
  }
}
