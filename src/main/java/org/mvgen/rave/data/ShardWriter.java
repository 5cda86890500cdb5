package org.mvgen.rave.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mvgen.util.AtomicFiles;

/**
 * Writes one input's examples into shard files {@code shards/<id>-NNNN.<ext>}: each is written
 * under a {@code .tmp} name, forced to disk and renamed when full (or at {@link #finish}). Closing
 * without finishing deletes the shard being written. Not thread-safe.
 */
final class ShardWriter implements AutoCloseable {
  static final String DIR = "shards";

  private final Path root;
  private final String id;
  private final RaveDataParams params;
  private final int perShard;
  private final ByteBuffer buf;
  private final List<RaveManifest.Shard> done = new ArrayList<>();
  private FileChannel channel;
  private Path tmp;
  private int inShard;
  private boolean closed;

  ShardWriter(Path root, String id, RaveDataParams params, int perShard) throws IOException {
    this.root = root;
    this.id = id;
    this.params = params;
    this.perShard = perShard;
    this.buf =
        ByteBuffer.allocate(Math.toIntExact(params.exampleBytes())).order(ByteOrder.LITTLE_ENDIAN);
    Files.createDirectories(root.resolve(DIR));
  }

  /** The relative name of shard {@code n} of input {@code id}. */
  static String name(String id, int n, SampleFormat f) {
    return DIR + "/" + id + String.format(Locale.ROOT, "-%04d.", n) + f.extension();
  }

  /** Appends one example of {@code exampleLength} samples. */
  void write(float[] example) throws IOException {
    if (channel == null) {
      tmp = AtomicFiles.temporary(root.resolve(name(id, done.size(), params.format())));
      channel =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
    }
    buf.clear();
    params.format().put(example, 0, params.exampleLength(), buf);
    buf.flip();
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    if (++inShard == perShard) {
      commitShard();
    }
  }

  private void commitShard() throws IOException {
    channel.force(true);
    channel.close();
    channel = null;
    String name = name(id, done.size(), params.format());
    AtomicFiles.commit(tmp, root.resolve(name));
    done.add(new RaveManifest.Shard(name, inShard, inShard * params.exampleBytes()));
    tmp = null;
    inShard = 0;
  }

  /** Commits the last shard; returns all shards of the input in order. */
  List<RaveManifest.Shard> finish() throws IOException {
    if (channel != null) {
      commitShard();
    }
    closed = true;
    return List.copyOf(done);
  }

  /** Without {@link #finish}: deletes the shard being written (finished ones are orphans). */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (channel != null) {
      try {
        channel.close();
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
