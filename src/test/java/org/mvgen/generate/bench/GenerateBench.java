package org.mvgen.generate.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mvgen.audio.WavWriter;
import org.mvgen.config.Config;
import org.mvgen.decoder.DecoderBundle;
import org.mvgen.decoder.DecoderNet;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.decoder.LatentNorm;
import org.mvgen.encoder.AudioEncoder;
import org.mvgen.encoder.Encoders;
import org.mvgen.generate.CaptureSource;
import org.mvgen.generate.DemoMusic;
import org.mvgen.generate.FramePacer;
import org.mvgen.generate.FrameScaler;
import org.mvgen.generate.GenerateSettings;
import org.mvgen.generate.LatentInterpolator;
import org.mvgen.generate.LiveSession;
import org.mvgen.generate.LiveWindow;
import org.mvgen.generate.Model;
import org.mvgen.generate.Pipeline;
import org.mvgen.generate.Renderer;
import org.mvgen.rave.RaveFixture;
import org.mvgen.torch.Torch;
import org.mvgen.util.Progress;

/**
 * Generation benchmarks (run by {@code bench/generate.sh}): render speed as a multiple of real
 * time, live sustained fps with drop counts, and audio-to-picture latency of onsets.
 *
 * <pre>
 * GenerateBench render  [--model BUNDLE] [--seconds 60]
 * GenerateBench live    [--model BUNDLE] [--seconds 60]
 * GenerateBench latency [--model BUNDLE] [--onsets 60]
 * GenerateBench latency --rave-live   (mvgen's own RAVE, `live` config, as a .mvrave)
 * GenerateBench latency --mvrave FILE (the same with a trained causal model)
 * </pre>
 *
 * Without --model, an untrained decoder of the demo's architecture at video.size is used: speed
 * does not depend on the weights (latency does, a little: it needs a model whose frames react).
 */
public final class GenerateBench {
  private GenerateBench() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "render";
    Path model = null;
    double seconds = 60;
    int onsets = 60;
    boolean rave = false;
    boolean raveLive = false;
    Path mvrave = null;
    String preset = null;
    Path fifo = null;
    boolean window = false;
    List<String> sets = new ArrayList<>();
    Path work = Path.of(System.getProperty("java.io.tmpdir"), "mvgen-bench");
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--model" -> model = Path.of(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--onsets" -> onsets = Integer.parseInt(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        case "--rave" -> rave = true;
        case "--rave-live" -> raveLive = true;
        case "--mvrave" -> {
          raveLive = true;
          mvrave = Path.of(args[++i]);
        }
        case "--preset" -> preset = args[++i];
        case "--fifo" -> fifo = Path.of(args[++i]);
        case "--window" -> window = true;
        case "--set" -> sets.add(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Files.createDirectories(work);
    Config c = Config.defaults();
    if (preset != null) {
      c = c.with("generate.preset", preset, "--preset");
    }
    for (String kv : sets) {
      c = c.withAssignment(kv, "--set");
    }
    if (raveLive) {
      // mvgen's own RAVE, `live` config (causal, hop 512), random weights, as a .mvrave: a
      // streaming session on live.threads; same cost and delay as a trained one.
      Path f = mvrave != null ? mvrave.toAbsolutePath() : work.resolve("rave-live.mvrave");
      if (!Files.exists(f)) {
        liveMvrave(f);
      }
      String tag =
          mvrave == null
              ? "rave-live"
              : "mvrave-"
                  + Integer.toHexString(
                      (f + "@" + Files.getLastModifiedTime(f).toMillis()).hashCode());
      model = untrainedFitted(c, work.resolve("untrained-" + tag + "-128.mvgen"), "rave:" + f, 128);
    } else if (rave) {
      // A RAVE v2-sized streaming export with random weights: the real encoder's cost and delay.
      Path ts = work.resolve("rave-v2-streaming.ts");
      if (!Files.exists(ts)) {
        RaveFixture.write(RaveFixture.v2Sized(true, 1), ts);
      }
      model = untrained(c, work.resolve("untrained-rave-128.mvgen"), "rave:" + ts, 128);
    } else if (model == null) {
      int size = c.getInt("video.size");
      model = untrained(c, work.resolve("untrained-" + size + ".mvgen"), "mel", size);
    }
    switch (what) {
      case "render" -> render(c, model, work, seconds);
      case "live" -> live(c, model, seconds, window);
      case "latency" -> latency(c, model, onsets);
      case "parts" -> parts(c, model, work);
      case "loopback" -> loopback(c, model, onsets, fifo);
      default -> throw new IllegalArgumentException("render, live, latency or parts");
    }
    System.exit(0);
  }

  /** A randomly initialised mvgen RAVE model of the `live` config, written as a .mvrave file. */
  static void liveMvrave(Path file) throws Exception {
    Torch.load();
    org.bytedeco.pytorch.global.torch.manual_seed(7);
    org.mvgen.rave.model.RaveConfig config = org.mvgen.rave.model.RaveConfig.named("live");
    Path w = Files.createTempDirectory(file.getParent(), "rave-live-weights");
    try (org.mvgen.rave.model.RaveNet net = new org.mvgen.rave.model.RaveNet(config, false)) {
      org.mvgen.rave.model.RaveWeights.write(w, config, org.mvgen.rave.model.RaveNet.state(net));
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    org.mvgen.rave.MvraveFile.write(w, tmp);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static final double GAIN = 10;

  /**
   * As {@link #untrained}, with the latent normalisation fitted to {@code encoder}'s latents of 10
   * s of demo music, as training fits it (a random RAVE's latents vary little in absolute terms),
   * and a gain of {@code GAIN}: an untrained decoder's frames move about 1 level of 255 for a
   * latent 2 standard deviations away, under the latency detector's threshold of 4; with the gain
   * an onset's first latent moves them some 8 levels, and silence (latents exactly 0 for a random
   * RAVE without input) keeps them still. Speed and timing do not depend on it.
   */
  static Path untrainedFitted(Config c, Path file, String encoder, int size) throws Exception {
    if (Files.exists(file)) {
      return file;
    }
    Torch.load();
    try (AudioEncoder enc = Encoders.open(encoder, c)) {
      float[][] z = enc.encode(DemoMusic.track(3, 10, enc.sampleRate()));
      int d = enc.latentSize();
      float[] mean = new float[d];
      float[] std = new float[d];
      for (int k = 0; k < d; k++) {
        double sum = 0;
        double sq = 0;
        for (float[] v : z) {
          sum += v[k];
          sq += (double) v[k] * v[k];
        }
        double m = sum / z.length;
        mean[k] = (float) m;
        std[k] = (float) (Math.max(Math.sqrt(Math.max(0, sq / z.length - m * m)), 1e-6) / GAIN);
      }
      int depth = Integer.numberOfTrailingZeros(size) - 3;
      DecoderSpec spec = new DecoderSpec(d, size, 128, 16, depth, "batch");
      DecoderNet net = new DecoderNet(spec);
      new DecoderBundle(
              spec, enc.id(), enc.spec(), new LatentNorm(mean, std), Map.of("untrained", true))
          .write(file, net);
    }
    return file;
  }

  /** A randomly initialised bundle of the demo's decoder architecture for {@code encoder}. */
  static Path untrained(Config c, Path file, String encoder, int size) throws Exception {
    if (Files.exists(file)) {
      return file;
    }
    Torch.load();
    try (AudioEncoder enc = Encoders.open(encoder, c)) {
      int depth = Integer.numberOfTrailingZeros(size) - 3;
      DecoderSpec spec = new DecoderSpec(enc.latentSize(), size, 128, 16, depth, "batch");
      DecoderNet net = new DecoderNet(spec);
      new DecoderBundle(
              spec,
              enc.id(),
              enc.spec(),
              LatentNorm.identity(enc.latentSize()),
              Map.of("untrained", true))
          .write(file, net);
    }
    return file;
  }

  static void render(Config c, Path model, Path work, double seconds) throws Exception {
    int sr = c.getInt("audio.sample_rate");
    Path song = work.resolve("song-" + (int) seconds + ".wav");
    float[] pcm = DemoMusic.track(11, seconds, sr);
    try (WavWriter w = new WavWriter(song, sr)) {
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
    Pipeline.Settings s = GenerateSettings.render(c);
    try (Model m = Model.open(model, null, null, c)) {
      // Warm-up: libtorch's first calls allocate and pick kernels.
      Renderer.render(
          new Renderer.Request(song, work.resolve("warm.mp4"), 0, 2, s, 18, "veryfast"),
          m.encoder(),
          m.generator(),
          (t, n, u) -> Progress.SILENT.start(t, n, u));
      Renderer.Result r =
          Renderer.render(
              new Renderer.Request(
                  song,
                  work.resolve("bench.mp4"),
                  0,
                  0,
                  s,
                  c.getInt("generate.crf"),
                  c.getString("generate.preset")),
              m.encoder(),
              m.generator(),
              (t, n, u) -> Progress.SILENT.start(t, n, u));
      System.out.printf(
          Locale.ROOT,
          "render (x264 "
              + c.getString("generate.preset")
              + "): %s, %dx%d at %d fps, %d frames of %.1f s in %.1f s = %.1fx real time (%.0f"
              + " frames/s)%n",
          model.getFileName(),
          s.size(),
          s.size(),
          s.fps(),
          r.frames(),
          r.seconds(),
          r.elapsedSeconds(),
          r.realTimeFactor(),
          r.frames() / r.elapsedSeconds());
    }
  }

  static void live(Config c, Path model, double seconds, boolean window) throws Exception {
    int sr = c.getInt("audio.sample_rate");
    Pipeline.Settings s = GenerateSettings.live(c);
    float[] pcm = DemoMusic.track(12, seconds, sr);
    List<Long> latencies = new ArrayList<>();
    // With --window, frames are painted in mvgen live's real window (Swing; Xvfb under
    // .ci/live-env.sh), so the cost of showing them is measured too.
    LiveWindow shown =
        window
            ? LiveWindow.open(
                "mvgen live benchmark",
                s.size(),
                false,
                new LiveWindow.Controls() {
                  @Override
                  public void toggleRecording() {}

                  @Override
                  public void quit() {}
                })
            : null;
    try (shown;
        Model m = Model.open(model, null, null, c);
        LiveSession session =
            new LiveSession(
                m.encoder(),
                m.generator(),
                s,
                CaptureSource.pacedPcm(pcm, sr, 256, c.getDouble("live.ring_seconds")))) {
      GenerateSettings.applyLiveThreads(c);
      warm(m, s);
      LiveSession.Result r =
          session.run(
              (rgb, snap, st, lat) -> {
                if (shown != null) {
                  shown.show(rgb, snap, st, lat);
                }
                if (lat != Long.MIN_VALUE) {
                  latencies.add(lat);
                }
              });
      FramePacer.Stats d = r.display();
      System.out.printf(
          Locale.ROOT,
          "live%s: %s at %d fps for %.1f s: display %.1f fps measured, %d ticks, %d shown, %d"
              + " repeated, %d dropped, display delay %.1f ms; pipeline generated %d, skipped %d;"
              + " input samples lost %d;"
              + " frame latency (last sample of a frame's audio -> shown) p50 %.1f ms, p95 %.1f"
              + " ms%n",
          window ? " (in the window)" : "",
          model.getFileName(),
          s.fps(),
          r.seconds(),
          d.fps(),
          d.ticks(),
          d.shown(),
          d.repeated(),
          d.dropped(),
          d.delayMillis(),
          r.frames(),
          r.skipped(),
          r.droppedSamples(),
          pct(latencies, 50),
          pct(latencies, 95));
    }
  }

  /**
   * Onsets (a loud click after silence) fed through the capture thread in real time; for each, the
   * time from the onset's first sample entering the ring to the first displayed frame that differs
   * clearly from the frame shown before the onset.
   */
  static void latency(Config c, Path model, int onsets) throws Exception {
    int sr = c.getInt("audio.sample_rate");
    Pipeline.Settings s = GenerateSettings.live(c);
    double gap = 0.8;
    float[] pcm = new float[(int) ((onsets + 1) * gap * sr)];
    long[] at = new long[onsets];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    for (int i = 0; i < onsets; i++) {
      // Random sub-frame phase, so the figure averages over where in a frame an onset falls.
      at[i] = (long) ((i + 1) * gap * sr) + rnd.nextInt(sr / s.fps());
      for (int j = 0; j < sr / 5 && at[i] + j < pcm.length; j++) {
        double t = (double) j / sr;
        pcm[(int) at[i] + j] =
            (float)
                (0.8 * Math.sin(2 * Math.PI * 90 * t) * Math.exp(-t / 0.08)
                    + 0.3 * (rnd.nextDouble() * 2 - 1) * Math.exp(-t / 0.02));
      }
    }
    List<Long> lat = new ArrayList<>();
    List<Long> grid = new ArrayList<>();
    List<Long> shown = new ArrayList<>();
    try (Model m = Model.open(model, null, null, c)) {
      GenerateSettings.applyLiveThreads(c);
      warm(m, s);
      CaptureSource in = CaptureSource.pacedPcm(pcm, sr, 256, c.getDouble("live.ring_seconds"));
      int size = s.size();
      byte[] before = new byte[size * size * 3];
      long[] state = {0, -1}; // next onset, index of frame before it
      try (LiveSession session = new LiveSession(m.encoder(), m.generator(), s, in)) {
        session.run(
            (rgb, snap, st, l) -> {
              long now = System.nanoTime();
              int o = (int) state[0];
              if (o >= onsets) {
                return;
              }
              long onsetEnd = LatentInterpolator.endSample(snap.index(), sr, s.fps());
              if (onsetEnd <= at[o]) {
                // Still before the onset: remember what silence looks like.
                System.arraycopy(rgb, 0, before, 0, before.length);
                return;
              }
              if (meanAbsDiff(rgb, before) > 4.0) {
                lat.add(now - in.arrivalNanos(at[o]));
                // Where the time went: audio from the onset to the end of the first reacting
                // frame's window (the model's response and the frame grid), then from that
                // audio's arrival to the frame on screen (compute and the display clock).
                grid.add((onsetEnd - at[o]) * 1_000_000_000L / sr);
                shown.add(l);
                state[0]++;
              } else if (onsetEnd > at[o] + sr / 2) {
                state[0]++; // never reacted: counted as missed below
              }
            });
      }
    }
    System.out.printf(
        Locale.ROOT,
        "latency: %s at %d fps, %d onsets, %d detected: onset entering the input -> first"
            + " reacting frame shown: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
        model.getFileName(),
        s.fps(),
        onsets,
        lat.size(),
        pct(lat, 50),
        pct(lat, 95),
        pct(lat, 100));
    if (Boolean.getBoolean("mvgen.bench.each")) {
      for (int i = 0; i < lat.size(); i++) {
        System.out.printf(
            Locale.ROOT,
            "  onset %2d: %.1f ms = %.1f + %.1f%n",
            i,
            lat.get(i) / 1e6,
            grid.get(i) / 1e6,
            shown.get(i) / 1e6);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "  of which: onset -> end of the reacting frame's audio p50 %.1f ms, p95 %.1f ms;"
            + " that audio's arrival -> frame shown p50 %.1f ms, p95 %.1f ms%n",
        pct(grid, 50),
        pct(grid, 95),
        pct(shown, 50),
        pct(shown, 95));
  }

  /**
   * The same onset test through a real sound server. With {@code fifo} (bench/generate.sh sets up a
   * PulseAudio pipe source reading it, and makes it the default input), onsets are written into the
   * source in real time, 64 samples at a time, like a microphone's converter delivering samples:
   * the start is the moment the block holding the onset is written, so the figure is what a
   * performer would see, including the sound server's capture path and the device buffer. Without
   * {@code fifo}, onsets are played with Java Sound into the default output (PulseAudio's null sink
   * under .ci/live-env.sh) and captured from its monitor; the start is when the onset leaves the
   * output line's buffer, so the sound server's playback buffering is counted too.
   */
  static void loopback(Config c, Path model, int onsets, Path fifo) throws Exception {
    int sr = c.getInt("audio.sample_rate");
    Pipeline.Settings s = GenerateSettings.live(c);
    // Written by the player thread, read by the display thread.
    var enter = new java.util.concurrent.atomic.AtomicLongArray(onsets);
    for (int i = 0; i < onsets; i++) {
      enter.set(i, Long.MAX_VALUE);
    }
    int gap = (int) (0.8 * sr);
    Thread player;
    AutoCloseable output;
    if (fifo != null) {
      java.io.OutputStream out = Files.newOutputStream(fifo);
      output = out;
      player = new Thread(() -> writeOnsets(out, sr, gap, enter), "loopback-mic");
    } else {
      javax.sound.sampled.AudioFormat fmt =
          new javax.sound.sampled.AudioFormat(sr, 16, 1, true, false);
      javax.sound.sampled.SourceDataLine out =
          javax.sound.sampled.AudioSystem.getSourceDataLine(fmt);
      out.open(fmt, 4096);
      out.start();
      output = out;
      player = new Thread(() -> playOnsets(out, sr, gap, enter), "loopback-player");
    }
    List<Long> lat = new ArrayList<>();
    try (output;
        Model m = Model.open(model, null, null, c)) {
      GenerateSettings.applyLiveThreads(c);
      warm(m, s);
      CaptureSource in = CaptureSource.openDevice(null, sr, c.getDouble("live.ring_seconds"));
      int size = s.size();
      byte[] before = new byte[size * size * 3];
      int[] state = {0};
      try (LiveSession session = new LiveSession(m.encoder(), m.generator(), s, in)) {
        player.setDaemon(true);
        player.start();
        Thread stopper =
            new Thread(
                () -> {
                  try {
                    player.join();
                    Thread.sleep(1000);
                  } catch (InterruptedException e) {
                    return;
                  }
                  session.quit();
                });
        stopper.setDaemon(true);
        stopper.start();
        session.run(
            (rgb, snap, st, l) -> {
              long now = System.nanoTime();
              int o = state[0];
              if (o >= onsets) {
                return;
              }
              if (now < enter.get(o)) {
                System.arraycopy(rgb, 0, before, 0, before.length);
              } else if (meanAbsDiff(rgb, before) > 4.0) {
                lat.add(now - enter.get(o));
                state[0]++;
              } else if (now > enter.get(o) + 500_000_000L) {
                state[0]++;
              }
            });
      }
    }
    System.out.printf(
        Locale.ROOT,
        "loopback (sound server): %s at %d fps, %d onsets, %d detected: onset %s -> first"
            + " reacting frame shown: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
        model.getFileName(),
        s.fps(),
        onsets,
        lat.size(),
        fifo != null ? "written into the input source" : "leaving the output",
        pct(lat, 50),
        pct(lat, 95),
        pct(lat, 100));
  }

  /** A kick of 90 Hz, decaying over 80 ms: sample {@code j} after its start. */
  static double kick(long j, int sr) {
    if (j < 0 || j >= sr / 5) {
      return 0;
    }
    double t = (double) j / sr;
    return 0.8 * Math.sin(2 * Math.PI * 90 * t) * Math.exp(-t / 0.08);
  }

  /**
   * Fills {@code bytes} (16-bit little-endian) with samples {@code [n, n + bytes.length / 2)} of a
   * kick starting at sample {@code start}; returns whether the kick starts in this block.
   */
  static boolean kickBlock(byte[] bytes, long n, long start, int sr) {
    int block = bytes.length / 2;
    for (int i = 0; i < block; i++) {
      short q = (short) Math.round(kick(n + i - start, sr) * 32767);
      bytes[2 * i] = (byte) q;
      bytes[2 * i + 1] = (byte) (q >> 8);
    }
    return n <= start && start < n + block;
  }

  /** Plays onsets (after 0.8 to 1 s of silence each) into a Java Sound output line. */
  static void playOnsets(
      javax.sound.sampled.SourceDataLine out,
      int sr,
      int gap,
      java.util.concurrent.atomic.AtomicLongArray enter) {
    int block = 256;
    byte[] bytes = new byte[block * 2];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    long n = 0;
    int o = 0;
    long next = gap + rnd.nextInt(gap / 4);
    while (o < enter.length() && !Thread.currentThread().isInterrupted()) {
      boolean onset = kickBlock(bytes, n, next, sr);
      if (onset) {
        int queued = out.getBufferSize() - out.available();
        long now = System.nanoTime();
        enter.set(o, now + (queued / 2 + (next - n)) * 1_000_000_000L / sr);
        o++;
        next += gap + rnd.nextInt(gap / 4);
      }
      out.write(bytes, 0, bytes.length);
      n += block;
    }
  }

  /**
   * Writes onsets into a pipe source in real time, 64 samples (1.5 ms) at a time, each block when
   * its last sample is due, as a converter delivers them; an onset enters when its block does.
   */
  static void writeOnsets(
      java.io.OutputStream out,
      int sr,
      int gap,
      java.util.concurrent.atomic.AtomicLongArray enter) {
    int block = 64;
    byte[] bytes = new byte[block * 2];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    long n = 0;
    int o = 0;
    long next = gap + rnd.nextInt(gap / 4);
    long start = System.nanoTime();
    try {
      while (o < enter.length() && !Thread.currentThread().isInterrupted()) {
        boolean onset = kickBlock(bytes, n, next, sr);
        long due = start + (n + block) * 1_000_000_000L / sr;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        out.write(bytes);
        out.flush();
        if (onset) {
          enter.set(o++, System.nanoTime());
          next += gap + rnd.nextInt(gap / 4);
        }
        n += block;
      }
    } catch (java.io.IOException | InterruptedException e) {
      // The benchmark ended.
    }
  }

  /** Each stage alone on 500 frames: mel windows, decoder (batches of 16), x264 + AAC. */
  static void parts(Config c, Path model, Path work) throws Exception {
    int n = 500;
    int sr = c.getInt("audio.sample_rate");
    float[] pcm = DemoMusic.track(13, n / 25.0 + 1, sr);
    try (Model m = Model.open(model, null, null, c)) {
      int dim = m.encoder().latentSize();
      int g = m.generator().frameSize();
      float[] z = new float[16 * dim];
      byte[] rgb = new byte[16 * g * g * 3];
      long t0 = System.nanoTime();
      if (m.encoder() instanceof org.mvgen.encoder.WindowEncoder w) {
        for (int k = 0; k < n; k++) {
          int end = (int) LatentInterpolator.endSample(k, sr, 25) + w.window();
          w.encodeWindow(pcm, end - w.window(), z, 0);
        }
      }
      double mel = (System.nanoTime() - t0) / 1e9;
      warm(m, null);
      t0 = System.nanoTime();
      for (int k = 0; k < n; k += 16) {
        m.generator().generate(z, 16, rgb);
      }
      double dec = (System.nanoTime() - t0) / 1e9;
      int size = c.getInt("video.size");
      byte[] frame = new byte[size * size * 3];
      new java.util.Random(1).nextBytes(frame);
      t0 = System.nanoTime();
      FrameScaler sc = new FrameScaler(g, size);
      for (int k = 0; k < n; k++) {
        sc.scale(rgb, 0, frame, 0);
      }
      double scale = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      try (org.mvgen.media.Mp4Writer wr =
          org.mvgen.media.Mp4Writer.open(
              work.resolve("parts.mp4"),
              new org.mvgen.media.Mp4Writer.Settings(
                  size, size, 25, sr, c.getInt("generate.crf"), c.getString("generate.preset")))) {
        wr.writeAudio(pcm, 0, n * sr / 25);
        for (int k = 0; k < n; k++) {
          frame[k % frame.length] ^= 0x55; // not a static picture
          wr.writeFrame(frame, 0);
        }
      }
      double x264 = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "parts (%d frames, decoder %d px, video %d px, x264 %s): mel windows %.0f fps, decoder"
              + " %.0f fps, scale %.0f fps, x264+aac %.0f fps%n",
          n,
          g,
          size,
          c.getString("generate.preset"),
          n / mel,
          n / dec,
          n / scale,
          n / x264);
    }
  }

  private static void warm(Model m, Pipeline.Settings s) {
    float[] z = new float[m.generator().latentSize() * 4];
    byte[] rgb = new byte[4 * m.generator().frameSize() * m.generator().frameSize() * 3];
    for (int i = 0; i < 20; i++) {
      m.generator().generate(z, 1 + i % 4, rgb);
    }
  }

  static double meanAbsDiff(byte[] a, byte[] b) {
    long s = 0;
    for (int i = 0; i < a.length; i++) {
      s += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
    }
    return (double) s / a.length;
  }

  static double pct(List<Long> v, double p) {
    if (v.isEmpty()) {
      return Double.NaN;
    }
    long[] a = v.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    int i = (int) Math.min(a.length - 1, Math.ceil(p / 100 * a.length) - 1);
    return a[Math.max(0, i)] / 1e6;
  }
}
