package org.mvgen.generate;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs another sink on its own thread, so that video encoding (x264, AAC) overlaps with frame
 * generation. Audio and frames are copied and handed over in order through a bounded queue; the
 * caller blocks only when the queue is full. A failure of the inner sink is rethrown by the next
 * call or by {@link #close()}, which waits for everything queued to be written and then closes the
 * inner sink.
 */
final class AsyncSink implements FrameSink {
  private record Audio(float[] pcm) {}

  private record Frame(long k, byte[] rgb) {}

  private static final Object END = new Object();

  private final FrameSink inner;
  private final int frameBytes;
  private final BlockingQueue<Object> queue;
  private final Thread worker;
  private volatile Throwable failure;
  private boolean closed;

  AsyncSink(FrameSink inner, int frameBytes, int capacity) {
    this.inner = inner;
    this.frameBytes = frameBytes;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.worker = new Thread(this::drain, "mvgen-encode");
    worker.setDaemon(true);
    worker.start();
  }

  private void drain() {
    try {
      while (true) {
        Object o = queue.take();
        if (o == END) {
          return;
        }
        if (failure != null) {
          continue; // keep taking so that the producer never blocks on a dead consumer
        }
        if (o instanceof Audio a) {
          inner.audio(a.pcm(), 0, a.pcm().length);
        } else if (o instanceof Frame f) {
          inner.frame(f.k(), f.rgb(), 0);
        }
      }
    } catch (Throwable t) {
      failure = t;
      queue.clear();
    }
  }

  private void put(Object o) throws GenerateException {
    check();
    try {
      queue.put(o);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GenerateException("Interrupted while writing the video", e);
    }
  }

  private void check() throws GenerateException {
    Throwable t = failure;
    if (t instanceof GenerateException g) {
      throw g;
    } else if (t != null) {
      throw new GenerateException("Writing the video failed: " + t, t);
    }
  }

  @Override
  public void audio(float[] pcm, int off, int len) throws GenerateException {
    put(new Audio(java.util.Arrays.copyOfRange(pcm, off, off + len)));
  }

  @Override
  public void frame(long k, byte[] rgb, int off) throws GenerateException {
    put(new Frame(k, java.util.Arrays.copyOfRange(rgb, off, off + frameBytes)));
  }

  /** Waits until everything queued is written, then closes the inner sink. */
  @Override
  public void close() throws GenerateException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      queue.put(END);
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GenerateException("Interrupted while finishing the video", e);
    }
    check();
    inner.close();
  }

  /** Stops the worker without waiting for the queue (the caller aborts the output). */
  void abandon() {
    closed = true;
    failure = failure != null ? failure : new IllegalStateException("abandoned");
    queue.clear();
    queue.offer(END);
  }
}
