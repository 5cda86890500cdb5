package org.mvgen.cli;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mvgen.MvgenException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The {@code mvgen} command: learns to make music videos from sound.
 *
 * <pre>
 * mvgen ingest videos/ --out data
 * mvgen encode data --encoder mel
 * mvgen train data --encoder mel --out run
 * mvgen render song.mp3 --model run/model.mvgen -o video.mp4
 * </pre>
 */
@Command(
    name = "mvgen",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Learns to make music videos from sound, and makes them: live or into MP4 files.",
    subcommands = {
      CommandLine.HelpCommand.class,
      ConfigCommand.class,
      IngestCommand.class,
      DatasetCommand.class,
      EncodeCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      ExportCommand.class,
      RaveCommand.class,
      RenderCommand.class,
      LiveCommand.class,
      DevicesCommand.class,
      DemoCommand.class,
      FfmpegPathCommand.class,
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with mvgen's error handling; tests call this with their writers. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(out, err).execute(args);
    out.flush();
    err.flush();
    OUTPUT_DONE.countDown();
    System.exit(code);
  }

  /** Counted down by {@link #main} once the command has returned and its output is flushed. */
  private static final CountDownLatch OUTPUT_DONE = new CountDownLatch(1);

  /**
   * Waits up to {@code seconds} until {@link #main} has flushed the command's output. For a
   * shutdown hook of a command that finishes its work on Ctrl-C: the JVM halts as soon as the last
   * hook returns, which would otherwise cut off what the command prints last (how to continue, or
   * an error).
   */
  static void awaitOutput(long seconds) {
    try {
      OUTPUT_DONE.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Exit codes of mvgen. */
  public static final class Exit {
    public static final int OK = 0;

    /** The user's input or settings are wrong (a named file, a value). */
    public static final int INPUT = 1;

    /** Bad command-line syntax (picocli's own). */
    public static final int USAGE = 2;

    /** A bug or an unexpected failure of mvgen or a library. */
    public static final int INTERNAL = 3;

    /** Interrupted by the user after saving what could be saved. */
    public static final int INTERRUPTED = 130;

    private Exit() {}
  }

  /** Maps mvgen's exceptions to messages and exit codes; {@code --verbose} adds stack traces. */
  static final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
      boolean verbose = isVerbose(parsed);
      PrintWriter err = cl.getErr();
      if (ex instanceof MvgenException) {
        err.println("mvgen: " + ex.getMessage());
        if (verbose) {
          ex.printStackTrace(err);
        } else if (ex.getCause() != null && ex.getCause().getMessage() != null) {
          err.println("  cause: " + ex.getCause().getMessage());
        }
        err.flush();
        return Exit.INPUT;
      }
      err.println("mvgen: unexpected error: " + ex);
      if (verbose) {
        ex.printStackTrace(err);
      } else {
        err.println("  Run again with --verbose for the stack trace, and report it as a bug.");
      }
      err.flush();
      return Exit.INTERNAL;
    }

    private static boolean isVerbose(ParseResult parsed) {
      for (ParseResult p = parsed; p != null; p = p.subcommand()) {
        if (p.hasMatchedOption("--verbose")) {
          return true;
        }
      }
      return false;
    }
  }

  /** Reads the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"mvgen " + (v == null ? "(development build)" : v)};
    }
  }
}
