package org.mvgen.torch;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes and reads named tensors in a small self-describing binary format: a count, then per tensor
 * its name, dtype, shape and little-endian raw values. Used for weights, batch-norm statistics and
 * random-generator state, so that a checkpoint restores every bit.
 */
public final class TensorState {
  private static final int MAGIC = 0x4d565453; // "MVTS"
  private static final byte FLOAT32 = 1;
  private static final byte INT64 = 2;
  private static final byte UINT8 = 3;

  private TensorState() {}

  /** Writes every tensor of {@code state} (CPU copies are taken of tensors on other devices). */
  public static void write(Map<String, Tensor> state, OutputStream os) throws IOException {
    DataOutputStream out = new DataOutputStream(os);
    out.writeInt(MAGIC);
    out.writeInt(state.size());
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      Tensor t = e.getValue().cpu().contiguous();
      byte type;
      int elem;
      if (t.scalar_type().toString().equals("Float")) {
        type = FLOAT32;
        elem = 4;
      } else if (t.scalar_type().toString().equals("Long")) {
        type = INT64;
        elem = 8;
      } else if (t.scalar_type().toString().equals("Byte")) {
        type = UINT8;
        elem = 1;
      } else {
        throw new IOException("tensor " + e.getKey() + " has unsupported type " + t.scalar_type());
      }
      out.writeUTF(e.getKey());
      out.writeByte(type);
      long[] shape = t.sizes().vec().get();
      out.writeByte(shape.length);
      for (long s : shape) {
        out.writeLong(s);
      }
      long bytes = t.numel() * elem;
      byte[] raw = new byte[(int) bytes];
      try (BytePointer p = new BytePointer(t.data_ptr())) {
        p.capacity(bytes).get(raw);
      }
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new IOException("big-endian hosts are not supported");
      }
      out.writeLong(bytes);
      out.write(raw);
    }
    out.flush();
  }

  /** Reads tensors into new CPU tensors, by name, in file order. */
  public static Map<String, Tensor> read(InputStream is) throws IOException {
    DataInputStream in = new DataInputStream(is);
    if (in.readInt() != MAGIC) {
      throw new IOException("not an mvgen tensor file (bad magic number)");
    }
    int n = in.readInt();
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      byte type = in.readByte();
      long[] shape = new long[in.readByte()];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = in.readLong();
      }
      byte[] raw = new byte[(int) in.readLong()];
      in.readFully(raw);
      ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      Tensor t;
      if (type == FLOAT32) {
        float[] v = new float[raw.length / 4];
        bb.asFloatBuffer().get(v);
        t = Torch.tensor(v, 0, shape);
      } else if (type == INT64) {
        long[] v = new long[raw.length / 8];
        bb.asLongBuffer().get(v);
        t = Tensor.create(v, shape);
      } else if (type == UINT8) {
        t = Torch.bytes(raw, 0, shape);
      } else {
        throw new IOException("tensor " + name + " has unknown type code " + type);
      }
      m.put(name, t);
    }
    return m;
  }

  /**
   * Copies {@code values} into the live tensors of {@code target} (same names and shapes), so that
   * modules and optimizers keep their references.
   */
  public static void copyInto(Map<String, Tensor> target, Map<String, Tensor> values, String what)
      throws IOException {
    if (!target.keySet().equals(values.keySet())) {
      throw new IOException(
          what
              + " does not match the network: expected tensors "
              + target.keySet()
              + ", found "
              + values.keySet());
    }
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : target.entrySet()) {
        Tensor dst = e.getValue();
        Tensor src = values.get(e.getKey());
        if (!java.util.Arrays.equals(dst.sizes().vec().get(), src.sizes().vec().get())) {
          throw new IOException(
              what
                  + ": tensor "
                  + e.getKey()
                  + " has shape "
                  + java.util.Arrays.toString(src.sizes().vec().get())
                  + ", the network expects "
                  + java.util.Arrays.toString(dst.sizes().vec().get()));
        }
        dst.copy_(src);
      }
    }
  }
}
