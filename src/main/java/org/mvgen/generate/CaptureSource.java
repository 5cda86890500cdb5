package org.mvgen.generate;

import java.util.ArrayList;
import java.util.List;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.TargetDataLine;

/**
 * Real-time audio input: a dedicated capture thread fills an {@link AudioRing} that the pipeline
 * reads. The capture thread only copies samples, so a slow encoder or decoder never makes it miss
 * input, and the small ring bounds latency (old audio is dropped and counted rather than queued).
 *
 * <pre>
 * try (CaptureSource in = CaptureSource.openDevice(null, 44100, 0.25)) { ... in.read(buf, 0, n) ... }
 * </pre>
 */
public final class CaptureSource implements AudioSource {
  /** What the capture thread runs: blocks until it has samples, returns -1 at the end. */
  interface Producer extends AutoCloseable {
    int fill(float[] dst) throws Exception;

    @Override
    void close();
  }

  /** An input device as Java Sound sees it. */
  public record Device(String name, String description) {}

  private final AudioRing ring;
  private final Producer producer;
  private final Thread thread;
  private final int sampleRate;
  private final String name;
  private long consumed;
  private volatile boolean closed;

  private CaptureSource(String name, Producer producer, int sampleRate, double ringSeconds) {
    this.name = name;
    this.producer = producer;
    this.sampleRate = sampleRate;
    this.ring = new AudioRing(Math.max(1024, (int) (ringSeconds * sampleRate)), sampleRate);
    this.thread = new Thread(this::captureLoop, "mvgen-capture");
    thread.setDaemon(true);
    thread.setPriority(Thread.MAX_PRIORITY);
    thread.start();
  }

  /** Lists the input devices (mixers with a capture line). */
  public static List<Device> devices() {
    List<Device> out = new ArrayList<>();
    for (Mixer.Info mi : AudioSystem.getMixerInfo()) {
      Mixer m = AudioSystem.getMixer(mi);
      if (m.isLineSupported(new DataLine.Info(TargetDataLine.class, null))) {
        out.add(new Device(mi.getName(), mi.getDescription()));
      }
    }
    return out;
  }

  /** Whether the input named exactly {@code device} can record {@code sampleRate} Hz mono. */
  public static boolean supports(String device, int sampleRate) {
    DataLine.Info info =
        new DataLine.Info(TargetDataLine.class, new AudioFormat(sampleRate, 16, 1, true, false));
    for (Mixer.Info mi : AudioSystem.getMixerInfo()) {
      if (mi.getName().equals(device) && AudioSystem.getMixer(mi).isLineSupported(info)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Opens input {@code device} (a name from {@link #devices()}, or a unique part of one; {@code
   * null}: the system default) at {@code sampleRate}, 16-bit mono.
   */
  public static CaptureSource openDevice(String device, int sampleRate, double ringSeconds)
      throws GenerateException {
    AudioFormat fmt = new AudioFormat(sampleRate, 16, 1, true, false);
    DataLine.Info info = new DataLine.Info(TargetDataLine.class, fmt);
    TargetDataLine line;
    String label;
    try {
      if (device == null) {
        if (!AudioSystem.isLineSupported(info)) {
          throw new GenerateException(
              "No audio input device that records "
                  + sampleRate
                  + " Hz mono. Plug in a microphone (or start PulseAudio), then run `mvgen"
                  + " devices` to see the inputs and pick one with --input.");
        }
        line = (TargetDataLine) AudioSystem.getLine(info);
        label = "default input";
      } else {
        Mixer.Info chosen = null;
        for (Mixer.Info mi : AudioSystem.getMixerInfo()) {
          if (mi.getName().equals(device)
              || (chosen == null && mi.getName().toLowerCase().contains(device.toLowerCase()))) {
            Mixer m = AudioSystem.getMixer(mi);
            if (m.isLineSupported(info)) {
              chosen = mi;
              if (mi.getName().equals(device)) {
                break;
              }
            }
          }
        }
        if (chosen == null) {
          throw new GenerateException(
              "No input device named '"
                  + device
                  + "' records "
                  + sampleRate
                  + " Hz mono. Run `mvgen devices` to list the inputs.");
        }
        line = (TargetDataLine) AudioSystem.getMixer(chosen).getLine(info);
        label = chosen.getName();
      }
      // A small device buffer (about 12 ms): measured through PulseAudio, 23 ms of buffer cost
      // about 12 ms of onset-to-picture latency; the ring, not the device, absorbs jitter.
      int bytes = Math.max(1024, sampleRate / 86 * 2);
      line.open(fmt, bytes);
      line.start();
    } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
      throw new GenerateException(
          "Cannot open the audio input"
              + (device == null ? "" : " '" + device + "'")
              + ": it may be in use or gone. Run `mvgen devices` to list the inputs.",
          e);
    }
    TargetDataLine l = line;
    return new CaptureSource(label, new LineProducer(l, label), sampleRate, ringSeconds);
  }

  /**
   * A file played in real time through the same capture thread and ring as a device: the live path
   * fed from a file, for tests and loopback benchmarks.
   */
  public static CaptureSource pacedPcm(float[] pcm, int sampleRate, int chunk, double ringSeconds) {
    return new CaptureSource(
        "file", new PacedProducer(pcm, sampleRate, chunk), sampleRate, ringSeconds);
  }

  /** The device's name, for messages. */
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return sampleRate;
  }

  @Override
  public int read(float[] dst, int off, int len) throws GenerateException, InterruptedException {
    int n = ring.read(dst, off, len);
    if (n > 0) {
      consumed += n;
    }
    return n;
  }

  /** Samples lost because the pipeline fell more than the ring's length behind. */
  public long droppedSamples() {
    return ring.dropped();
  }

  @Override
  public long arrivalNanos(long index) {
    // Stream index = pipeline index + what was dropped before it.
    return ring.arrivalNanos(index + (ring.position() - consumed));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    producer.close();
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void captureLoop() {
    float[] chunk = new float[512];
    try {
      while (!closed) {
        int n = producer.fill(chunk);
        if (n < 0) {
          break;
        }
        ring.write(chunk, 0, n);
      }
      ring.end(null);
    } catch (Exception e) {
      ring.end(closed ? null : e);
    }
  }

  private static final class LineProducer implements Producer {
    private final TargetDataLine line;
    private final String label;
    // Small reads (128 samples, 2.9 ms at 44.1 kHz): read() blocks until it has them all.
    private final byte[] bytes = new byte[256];
    private int silentReads;

    LineProducer(TargetDataLine line, String label) {
      this.line = line;
      this.label = label;
    }

    @Override
    public int fill(float[] dst) throws GenerateException {
      int want = Math.min(bytes.length, dst.length * 2);
      int got = line.read(bytes, 0, want);
      if (got <= 0) {
        // read() returns early with nothing when the line was closed or the device vanished.
        if (!line.isOpen() || ++silentReads > 50) {
          throw new GenerateException(
              "The audio input '" + label + "' stopped delivering sound (unplugged?).");
        }
        return 0;
      }
      silentReads = 0;
      int n = got / 2;
      for (int i = 0; i < n; i++) {
        dst[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8)) / 32768f;
      }
      return n;
    }

    @Override
    public void close() {
      line.stop();
      line.close();
    }
  }

  private static final class PacedProducer implements Producer {
    private final float[] pcm;
    private final int sampleRate;
    private final int chunk;
    private int pos;
    private long startNanos = Long.MIN_VALUE;

    PacedProducer(float[] pcm, int sampleRate, int chunk) {
      this.pcm = pcm;
      this.sampleRate = sampleRate;
      this.chunk = chunk;
    }

    @Override
    public int fill(float[] dst) throws InterruptedException {
      if (pos >= pcm.length) {
        return -1;
      }
      if (startNanos == Long.MIN_VALUE) {
        startNanos = System.nanoTime();
      }
      int n = Math.min(Math.min(chunk, dst.length), pcm.length - pos);
      // A chunk is "captured" once its last sample has been played.
      long due = startNanos + (pos + n) * 1_000_000_000L / sampleRate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      System.arraycopy(pcm, pos, dst, 0, n);
      pos += n;
      return n;
    }

    @Override
    public void close() {}
  }
}
