package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.mvgen.config.Config;
import org.mvgen.generate.CaptureSource;
import org.mvgen.generate.GenerateException;
import org.mvgen.generate.GenerateSettings;
import org.mvgen.generate.LiveSession;
import org.mvgen.generate.LiveWindow;
import org.mvgen.generate.Model;
import org.mvgen.generate.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mvgen live}: generates frames from the microphone into a window. */
@Command(
    name = "live",
    mixinStandardHelpOptions = true,
    description = {
      "Show frames generated live from an audio input in a window.",
      "Keys: F fullscreen, O overlay (fps, level, latency, drops), R start/stop recording, Q quit.",
      "Example: mvgen live --model run/model.mvgen --input USB --record set.mp4"
    })
public final class LiveCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-m", "--model"},
      required = true,
      paramLabel = "BUNDLE",
      description = "Model file written by `mvgen train`.")
  Path model;

  @Option(
      names = {"-i", "--input"},
      paramLabel = "DEVICE",
      description =
          "Audio input (a name or part of one from `mvgen devices`; default: live.input).")
  String input;

  @Option(names = "--fullscreen", description = "Start in fullscreen.")
  boolean fullscreen;

  @Option(
      names = "--record",
      paramLabel = "FILE",
      description = "Record the session (frames and captured audio) to this MP4 from the start.")
  Path record;

  @Option(names = "--fps", paramLabel = "N", description = "Display frames per second (live.fps).")
  Integer fps;

  @Mixin EncoderOverride encoder;

  @Override
  public Integer call() throws Exception {
    Config c = CommonOptions.override(common.config(), "live.fps", fps, "--fps");
    c = CommonOptions.override(c, "live.input", input, "--input");
    PrintWriter out = spec.commandLine().getOut();
    Pipeline.Settings settings = GenerateSettings.live(c);
    String device = c.getString("live.input").isEmpty() ? null : c.getString("live.input");
    LiveWindow.requireDisplay();
    try (Model m = Model.open(model, encoder.spec, null, c)) {
      GenerateSettings.applyLiveThreads(c);
      CaptureSource in =
          CaptureSource.openDevice(
              device, m.encoder().sampleRate(), c.getDouble("live.ring_seconds"));
      try (LiveSession session = new LiveSession(m.encoder(), m.generator(), settings, in)) {
        Controls controls = new Controls(session, record, out);
        try (LiveWindow w =
            LiveWindow.open(
                "mvgen live: " + model.getFileName(), settings.size(), fullscreen, controls)) {
          controls.window = w;
          w.overlay(c.getBoolean("live.overlay"));
          if (record != null) {
            // A --record file that cannot be written ends the command: the user asked for it.
            controls.start(record);
          }
          // Ctrl-C: stop cleanly so that a recording in progress is finished, not left corrupt.
          Thread hook =
              new Thread(
                  () -> {
                    try {
                      session.quitAndWait(30_000);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "mvgen-live-shutdown");
          Runtime.getRuntime().addShutdownHook(hook);
          // The X server going away: Xlib would end the process at once (crashing libtorch under
          // the running pipeline). Instead: stop, finish the recording, let main say so, exit 1.
          java.util.concurrent.atomic.AtomicBoolean lost =
              new java.util.concurrent.atomic.AtomicBoolean();
          LiveWindow.onDisplayLost(
              () -> {
                lost.set(true);
                session.quit();
                Main.awaitOutput(60);
                Runtime.getRuntime().halt(Main.Exit.INPUT);
              });
          out.printf(
              "Live from %s at %d fps. Keys: F fullscreen, O overlay, R record, Q quit.%n",
              in.name(), settings.fps());
          out.flush();
          LiveSession.Result r = session.run(w);
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException shuttingDown) {
            // Already shutting down: the hook has done its work.
          }
          if (lost.get()) {
            String display = System.getenv("DISPLAY");
            throw new GenerateException(
                "The display"
                    + (display == null ? "" : " '" + display + "'")
                    + " went away (its X server stopped or the connection broke); live stopped"
                    + (controls.lastRecording != null
                        ? " and the recording " + controls.lastRecording + " was finished."
                        : "."));
          }
          out.printf(
              "%.0f s live: %d frames generated, %d skipped by the pipeline; display %d shown,"
                  + " %d repeated, %d dropped; %d input samples lost%n",
              r.seconds(),
              r.frames(),
              r.skipped(),
              r.display().shown(),
              r.display().repeated(),
              r.display().dropped(),
              r.droppedSamples());
          if (controls.lastRecording != null) {
            out.printf("Recording: %s%n", controls.lastRecording);
          }
          out.flush();
        }
      }
    }
    return Main.Exit.OK;
  }

  /** The window's key actions. */
  static final class Controls implements LiveWindow.Controls {
    private final LiveSession session;
    private final PrintWriter out;
    private Path first;
    LiveWindow window;
    volatile Path lastRecording;
    private Path current;

    Controls(LiveSession session, Path first, PrintWriter out) {
      this.session = session;
      this.first = first;
      this.out = out;
    }

    /**
     * R: stops the recording in progress, or starts one; a failure is printed, the show goes on.
     */
    @Override
    public synchronized void toggleRecording() {
      try {
        if (session.recording()) {
          lastRecording = session.toggleRecording(null);
          out.printf("Recording saved: %s%n", lastRecording);
          window.status("");
          out.flush();
        } else {
          start(first != null ? first : Path.of("mvgen-live-" + stamp() + ".mp4"));
        }
      } catch (GenerateException e) {
        out.printf("mvgen: %s%n", e.getMessage());
        out.flush();
      }
    }

    /** Starts recording to {@code target}; throws when it cannot be written. */
    synchronized void start(Path target) throws GenerateException {
      first = null;
      session.toggleRecording(target);
      current = target;
      lastRecording = target;
      out.printf("Recording to %s (R stops)%n", target);
      window.status("REC " + target.getFileName());
      out.flush();
    }

    private static String stamp() {
      return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    @Override
    public void quit() {
      session.quit();
    }
  }
}
