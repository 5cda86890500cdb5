package org.mvgen.generate;

import java.nio.file.Path;
import org.mvgen.media.Mp4Writer;

/**
 * The live pipeline's sink: keeps the newest frame for the display clock to pick up, and feeds an
 * optional recording. Frames arrive on the pipeline's worker thread; {@link #latest} is called by
 * the display thread; recording starts and stops from the window's key handler. Never blocks the
 * worker for longer than a frame copy.
 *
 * <p>A recording starts at the first frame {@code k0} generated after {@link #startRecording}; its
 * audio starts at the sample that frame describes ({@code e(k0)}), taken from a short history of
 * recent input, so picture and sound in the file are aligned exactly as in {@code render}.
 */
public final class LiveSink implements FrameSink {
  private final int size;
  private final int sampleRate;
  private final int fps;

  /**
   * The last few frames, slot {@code k % RING} holds frame {@code k}: what the display clock picks
   * from. Eight, since a RAVE latent releases three frames at once and the clock shows one a tick.
   */
  static final int RING = 8;

  private final byte[][] ring;
  private final long[] ringIndex = new long[RING];
  private final long[] ringReady = new long[RING];
  private final int frameBytes;
  private long newestIndex = -1;
  private long generated;

  /** Recent input audio, indexed by absolute sample number, to start recordings in sync. */
  private final float[] history;

  private long samples;
  private float level;

  /** A recording opened by {@link #startRecording}, waiting for its first frame. */
  private Mp4Sink pendingRecording;

  private Mp4Sink recording;
  private long recordingFirstFrame;

  public LiveSink(int size, int sampleRate, int fps) {
    this.size = size;
    this.sampleRate = sampleRate;
    this.fps = fps;
    this.frameBytes = size * size * 3;
    this.ring = new byte[RING][frameBytes];
    java.util.Arrays.fill(ringIndex, -1);
    this.history = new float[4 * sampleRate];
  }

  /** What the display shows: a copy of the newest frame and its index. */
  public record Snapshot(long index, long generated, float level) {}

  @Override
  public synchronized void audio(float[] pcm, int off, int len) throws GenerateException {
    double ss = 0;
    for (int i = 0; i < len; i++) {
      float v = pcm[off + i];
      history[(int) ((samples + i) % history.length)] = v;
      ss += v * v;
    }
    samples += len;
    if (len > 0) {
      // Smoothed RMS for the overlay's level meter.
      level = 0.8f * level + 0.2f * (float) Math.sqrt(ss / len);
    }
    if (recording != null) {
      recording.audio(pcm, off, len);
    }
  }

  @Override
  public synchronized void frame(long k, byte[] rgb, int off) throws GenerateException {
    int slot = (int) (k % RING);
    System.arraycopy(rgb, off, ring[slot], 0, frameBytes);
    ringIndex[slot] = k;
    ringReady[slot] = System.nanoTime();
    newestIndex = k;
    generated++;
    if (pendingRecording != null) {
      recording = pendingRecording;
      pendingRecording = null;
      recordingFirstFrame = k;
      long from = LatentInterpolator.endSample(k, sampleRate, fps);
      from = Math.max(from, Math.max(0, samples - history.length));
      float[] back = new float[(int) (samples - from)];
      for (int i = 0; i < back.length; i++) {
        back[i] = history[(int) ((from + i) % history.length)];
      }
      recording.audio(back, 0, back.length);
    }
    if (recording != null) {
      recording.frame(k - recordingFirstFrame, rgb, off);
    }
  }

  /** The newest frame's index and the counters, without copying a frame. */
  public synchronized Snapshot peek() {
    return new Snapshot(newestIndex, generated, level);
  }

  /**
   * Copies frame {@code k} into {@code dst} if it is still held (one of the last {@link #RING}
   * generated); returns whether it was.
   */
  public synchronized boolean take(long k, byte[] dst) {
    int slot = (int) (k % RING);
    if (k < 0 || ringIndex[slot] != k) {
      return false;
    }
    System.arraycopy(ring[slot], 0, dst, 0, frameBytes);
    return true;
  }

  /**
   * The {@link System#nanoTime} at which frame {@code k} was handed over, if it is still held (one
   * of the last {@link #RING} generated); {@code Long.MIN_VALUE} otherwise.
   */
  public synchronized long readyNanos(long k) {
    int slot = (int) (k % RING);
    return k >= 0 && ringIndex[slot] == k ? ringReady[slot] : Long.MIN_VALUE;
  }

  /**
   * Starts recording to {@code target} from the next frame; ignored when already recording. The
   * file is opened here, on the caller's thread, so that a file that cannot be written is reported
   * to the caller (the show goes on) rather than failing the pipeline's worker, and the worker
   * never waits for the encoders to start.
   *
   * @throws GenerateException when {@code target} cannot be written
   */
  public void startRecording(Path target) throws GenerateException {
    if (recording()) {
      return;
    }
    Mp4Sink opened = Mp4Sink.recording(target, new Mp4Writer.Settings(size, size, fps, sampleRate));
    synchronized (this) {
      if (recording == null && pendingRecording == null) {
        pendingRecording = opened;
        return;
      }
    }
    opened.abort(); // started meanwhile from another thread
  }

  public synchronized boolean recording() {
    return recording != null || pendingRecording != null;
  }

  /** Finishes the recording in progress, if any, and returns its file (or null). */
  public synchronized Path stopRecording() throws GenerateException {
    if (pendingRecording != null) {
      // Stopped before its first frame: there is nothing to keep.
      pendingRecording.abort();
      pendingRecording = null;
    }
    if (recording == null) {
      return null;
    }
    Mp4Sink r = recording;
    recording = null;
    r.close();
    return r.target();
  }

  @Override
  public void close() throws GenerateException {
    stopRecording();
  }
}
