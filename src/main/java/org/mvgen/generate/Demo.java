package org.mvgen.generate;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mvgen.MvgenException;
import org.mvgen.audio.WavWriter;
import org.mvgen.config.Config;
import org.mvgen.dataset.Dataset;
import org.mvgen.dataset.DatasetParams;
import org.mvgen.dataset.Ingest;
import org.mvgen.dataset.IngestConfig;
import org.mvgen.dataset.Split;
import org.mvgen.dataset.SplitConfig;
import org.mvgen.decoder.DatasetPairs;
import org.mvgen.decoder.DecoderSpec;
import org.mvgen.encoder.DatasetEncoding;
import org.mvgen.encoder.PortableEncoder;
import org.mvgen.media.FfmpegProgram;
import org.mvgen.train.RunSettings;
import org.mvgen.train.Trainer;
import org.mvgen.train.decoder.DecoderTrainConfig;
import org.mvgen.train.decoder.DecoderTraining;
import org.mvgen.train.decoder.TrainResult;
import org.mvgen.util.Progress;

/**
 * {@code mvgen demo}: the whole of mvgen on a fresh machine in minutes. Synthesises a few tracks of
 * music ({@link DemoMusic}), makes a music video for each with FFmpeg's audio visualisation filters
 * (so the pictures are computed from the sound), ingests them, encodes them with {@code mel},
 * trains a small decoder for a fixed time, and renders a video for a new track the model never
 * heard.
 *
 * <pre>
 * Demo.Result r = Demo.run(new Demo.Request(Path.of("demo"), 4, 45, 3.0, 128, 7, config), progress, out);
 * </pre>
 */
public final class Demo {
  private Demo() {}

  /**
   * What to make.
   *
   * @param dir folder for everything (corpus/, data/, run/, demo.mp4)
   * @param tracks tracks in the corpus
   * @param trackSeconds length of each
   * @param trainMinutes wall-clock minutes of training
   * @param frameSize side of training frames (rendered frames are scaled to {@code video.size})
   * @param seed seed of music and training
   * @param config the rest of mvgen's settings
   */
  public record Request(
      Path dir,
      int tracks,
      double trackSeconds,
      double trainMinutes,
      int frameSize,
      long seed,
      Config config) {
    public Request {
      if (tracks < 2) {
        throw new IllegalArgumentException("demo.tracks (" + tracks + ") must be at least 2");
      }
      if (trackSeconds < 10) {
        throw new IllegalArgumentException(
            "demo.track_seconds (" + trackSeconds + ") must be at least 10");
      }
      if (!(trainMinutes > 0)) {
        throw new IllegalArgumentException(
            "demo.train_minutes (" + trainMinutes + ") must be positive");
      }
    }
  }

  /** Where everything is, and how long each stage took (seconds, in order). */
  public record Result(
      Path corpus,
      Path dataset,
      Path run,
      Path bundle,
      Path song,
      Path video,
      TrainResult training,
      Map<String, Double> stageSeconds) {}

  /**
   * The ffmpeg filter graph that draws a track's pictures from its sound: constant-Q spectrum bars
   * (magenta, blurred) added to a stereo vectorscope of the signal against a slightly delayed copy
   * (a cyan blob whose size follows the loudness). One style for every track, so that the pictures
   * are a function of the sound a decoder can learn, not of which track is playing.
   */
  static String visuals(int size, int fps) {
    String s = "s=" + size + "x" + size;
    return "[0:a]asplit[c][v0];"
        + "[c]showcqt="
        + s
        + ":fps="
        + fps
        + ":sono_h=0:bar_g=1:bar_v=40:axis=0,boxblur=5:1,format=gbrp,"
        + "colorchannelmixer=rr=1:rg=0.3:gg=0.25:bb=0.9:bg=0.3[bars];"
        + "[v0]asplit[l][r0];[r0]adelay=3[r];[l][r]amerge=inputs=2,avectorscope="
        + s
        + ":r="
        + fps
        + ":zoom=2:draw=line:rc=40:gc=160:bc=255:rf=10:gf=10:bf=10,gblur=sigma=4,format=gbrp[scope];"
        + "[bars][scope]blend=all_mode=addition,format=yuv420p[v]";
  }

  public static Result run(Request r, Progress.Factory progress, PrintWriter log)
      throws MvgenException, IOException, InterruptedException {
    Config c = r.config();
    int sr = c.getInt("audio.sample_rate");
    int fps = c.getInt("video.fps");
    Map<String, Double> times = new LinkedHashMap<>();
    Path corpus = r.dir().resolve("corpus");
    Path data = r.dir().resolve("data");
    Path run = r.dir().resolve("run");
    Files.createDirectories(corpus);

    // 1. Music and its pictures.
    long t0 = System.nanoTime();
    try (Progress p = progress.start("demo corpus", r.tracks(), "tracks")) {
      for (int i = 0; i < r.tracks(); i++) {
        Path mp4 = corpus.resolve(String.format("track-%02d.mp4", i + 1));
        if (!Files.exists(mp4)) {
          Path wav = r.dir().resolve(String.format("track-%02d.wav", i + 1));
          writeWav(wav, DemoMusic.track(r.seed() * 100 + i, r.trackSeconds(), sr), sr);
          FfmpegProgram.run(
              List.of(
                  "-i",
                  wav.toString(),
                  "-filter_complex",
                  visuals(256, fps),
                  "-map",
                  "[v]",
                  "-map",
                  "0:a",
                  "-c:v",
                  "libx264",
                  "-preset",
                  "ultrafast",
                  "-crf",
                  "18",
                  "-pix_fmt",
                  "yuv420p",
                  "-c:a",
                  "aac",
                  "-b:a",
                  "160k",
                  "-shortest",
                  "-f",
                  "mp4",
                  mp4 + ".tmp"));
          Files.move(Path.of(mp4 + ".tmp"), mp4);
          Files.delete(wav);
        }
        p.step(1);
      }
    }
    times.put("music and visuals", seconds(t0));
    log.printf("Corpus: %d synthesised music videos in %s%n", r.tracks(), corpus);
    log.flush();

    // 2. Ingest.
    t0 = System.nanoTime();
    Ingest.Result ing =
        Ingest.run(
            new IngestConfig(
                List.of(corpus.toString()),
                data,
                new DatasetParams(sr, fps, r.frameSize(), c.getInt("audio.window")),
                c.getInt("dataset.jpeg_quality"),
                c.getInt("dataset.shard_pairs"),
                new SplitConfig(SplitConfig.Mode.BLOCKS, 0.1, 8.0, r.seed()),
                0),
            progress);
    if (!ing.failed().isEmpty()) {
      throw new GenerateException("The demo corpus did not ingest: " + ing.failed());
    }
    times.put("ingest", seconds(t0));

    // 3. Encode, 4. train, 5. render.
    TrainResult tr;
    String encoderId;
    try (Dataset ds = Dataset.open(data)) {
      t0 = System.nanoTime();
      DatasetEncoding.Result enc = DatasetEncoding.run(ds, "mel", c, progress);
      encoderId = enc.record().id();
      times.put("encode (mel)", seconds(t0));
      log.printf("Dataset: %d pairs in %s, encoded with %s%n", ds.size(), data, encoderId);
      log.flush();

      t0 = System.nanoTime();
      PortableEncoder portable = DatasetEncoding.portable(ds, enc.record(), c);
      tr = train(r, ds, encoderId, portable, enc.record().dim(), run, progress);
      times.put("train", seconds(t0));
    }
    log.printf(
        "Model: %s (%d steps, loss %.4f -> %.4f, validation PSNR %.1f dB)%n",
        tr.bundle(), tr.steps(), tr.firstLoss(), tr.finalLoss(), tr.validationPsnr());
    log.flush();

    t0 = System.nanoTime();
    Path song = r.dir().resolve("new-song.wav");
    writeWav(song, DemoMusic.track(r.seed() * 100 + 99, 20, sr), sr);
    Path video = r.dir().resolve("demo.mp4");
    try (Model m = Model.open(tr.bundle(), null, data, c)) {
      Renderer.render(
          new Renderer.Request(
              song,
              video,
              0,
              0,
              GenerateSettings.render(c),
              c.getInt("generate.crf"),
              c.getString("generate.preset")),
          m.encoder(),
          m.generator(),
          progress);
    }
    times.put("render", seconds(t0));
    return new Result(corpus, data, run, tr.bundle(), song, video, tr, times);
  }

  private static TrainResult train(
      Request r,
      Dataset ds,
      String encoderId,
      PortableEncoder encoder,
      int dim,
      Path run,
      Progress.Factory progress)
      throws MvgenException, IOException, InterruptedException {
    // A small reference decoder starting at 8x8: enough to learn coloured bars in minutes on 2
    // cores.
    int depth = Math.max(1, Integer.numberOfTrailingZeros(r.frameSize()) - 3);
    DecoderSpec spec = new DecoderSpec(dim, r.frameSize(), 128, 16, depth, "batch");
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("dataset", ds.dir().toAbsolutePath().toString());
    info.put("demo", true);
    DecoderTrainConfig tc =
        DecoderTrainConfig.builder(
                DatasetPairs.of(ds, encoderId, Split.TRAIN),
                DatasetPairs.of(ds, encoderId, Split.VALIDATION),
                spec,
                run)
            .batchSize(16)
            .lr(2e-3)
            .schedule(DecoderTrainConfig.ScheduleKind.CONSTANT)
            .warmupSteps(20)
            .minLrFraction(0.1)
            .loss(DecoderTrainConfig.Loss.L1)
            .loaderThreads(1)
            .validationPairs(64)
            .encoder(encoderId, encoder.spec(), encoder.files())
            .info(info)
            .build();
    // Training is limited by time, not steps: the demo must finish in minutes on any machine.
    RunSettings rs =
        tc.run().toBuilder()
            .steps(Long.MAX_VALUE)
            .time(Duration.ofMillis(Math.round(r.trainMinutes() * 60_000)))
            .seed(r.seed())
            .threads(0)
            .device("auto")
            .every(0)
            .divergenceFactor(20)
            .resume(Files.exists(run.resolve(Trainer.CHECKPOINT)))
            .build();
    tc = new DecoderTrainConfig(tc.data(), tc.model(), tc.optimisation(), tc.encoder(), rs);
    return DecoderTraining.run(tc, progress);
  }

  private static void writeWav(Path f, float[] pcm, int sr) throws IOException {
    try (WavWriter w = new WavWriter(f, sr)) {
      w.write(pcm, 0, pcm.length);
      w.commit();
    }
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The lines that tell a user what to try next. */
  public static List<String> nextSteps(Result r) {
    List<String> l = new ArrayList<>();
    l.add("Watch it:            " + r.video());
    l.add("Render another song: mvgen render SONG.mp3 --model " + r.bundle() + " -o video.mp4");
    l.add("Play live:           mvgen live --model " + r.bundle() + "   (keys: F O R Q)");
    l.add(
        "Your own videos:     mvgen ingest VIDEOS/ --out data && mvgen encode data --encoder mel"
            + " && mvgen train data --encoder mel --out run");
    return l;
  }
}
