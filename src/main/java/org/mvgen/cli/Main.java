package org.mvgen.cli;

import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mvgen.MvgenException;
import org.mvgen.MvgenIOException;
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

  /**
   * Maps mvgen's exceptions to messages and exit codes; {@code --verbose} adds stack traces. A
   * user's condition is exit code 1 wherever it was raised: an {@link MvgenException} or {@link
   * MvgenIOException} anywhere in the cause chain (they cross worker threads wrapped), or a full
   * disk. Anything else is a bug: exit code 3.
   */
  static final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
      boolean verbose = isVerbose(parsed);
      PrintWriter err = cl.getErr();
      Throwable user = userError(ex);
      if (user != null) {
        err.println("mvgen: " + user.getMessage());
        Throwable cause = user.getCause();
        if (verbose) {
          ex.printStackTrace(err);
        } else if (cause != null
            && cause.getMessage() != null
            && !isLibraryInternal(cause)
            && !user.getMessage().contains(cause.getMessage())) {
          err.println("  cause: " + cause.getMessage());
        }
        err.flush();
        return Exit.INPUT;
      }
      String full = diskFull(ex);
      if (full != null) {
        err.println(
            "mvgen: the disk is full"
                + (full.isEmpty() ? "" : " (writing " + full + ")")
                + ". Free some space and run the same command again.");
        if (verbose) {
          ex.printStackTrace(err);
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

    /** The first mvgen user error in the cause chain of {@code ex}, or null. */
    static Throwable userError(Throwable ex) {
      int depth = 0;
      for (Throwable t = ex; t != null && depth < 32; t = t.getCause(), depth++) {
        if (t instanceof MvgenException || t instanceof MvgenIOException) {
          return t;
        }
      }
      return null;
    }

    /**
     * When the cause chain of {@code ex} says the disk is full: the file being written (empty when
     * unknown); else null.
     */
    static String diskFull(Throwable ex) {
      int depth = 0;
      for (Throwable t = ex; t != null && depth < 32; t = t.getCause(), depth++) {
        String m = String.valueOf(t.getMessage());
        if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
          return t instanceof FileSystemException f && f.getFile() != null ? f.getFile() : "";
        }
      }
      return null;
    }

    /** Exceptions whose messages describe a library's internals rather than the user's file. */
    private static boolean isLibraryInternal(Throwable t) {
      String n = t.getClass().getName();
      return n.startsWith("com.fasterxml.") || n.startsWith("org.bytedeco.");
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
