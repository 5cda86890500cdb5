package org.mvgen.util;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.mvgen.MvgenException;

/**
 * A lock on a folder that says who holds it: an operating-system lock on the file {@value
 * #FILE_NAME} inside the folder, plus a description of the holder (pid, host, start time, command)
 * written into the lock file for the message another process shows when it is refused.
 *
 * <pre>
 * try (FolderLock lock = FolderLock.acquire(runDir)) {
 *   ... // no other mvgen process writes runDir meanwhile
 * }
 * </pre>
 *
 * <p>The lock is {@link FileChannel#tryLock} on the lock file: the operating system releases it
 * when the holder's process ends, however it ends (kill -9 included), so a dead holder never leaves
 * the folder stuck; the description left behind by a dead holder is ignored because nobody holds
 * the lock. The lock file is never deleted (deleting a lock file lets two processes lock two
 * different files of the same name); it is a few bytes.
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li>{@link #acquire exclusive}: one holder, nobody else in any mode.
 *   <li>{@link #acquireShared shared with a member name}: any number of holders with different
 *       member names (the shards of one sharded job), none exclusive. Each member also locks its
 *       own file {@code .mvgen.lock.d/MEMBER.lock} and describes itself there, so that an exclusive
 *       acquirer that is refused can name every process in the way, and a second process for the
 *       same member is refused naming the first.
 * </ul>
 *
 * <p>Within one JVM, locks are counted here rather than taken twice from the operating system: a
 * second {@code FileChannel} on a locked file throws {@link OverlappingFileLockException}, and on
 * POSIX systems closing any descriptor of a file drops every lock the process holds on it. So this
 * class is the only code that opens lock files, and it does so under one JVM-wide monitor. A second
 * acquisition in the same JVM is refused like one from another process (naming this process).
 *
 * <p>Acquiring waits a little ({@link #DEFAULT_PATIENCE}) before refusing, because other processes
 * hold locks for moments too (inspecting members, the last shard completing a manifest).
 *
 * <p>The lock is advisory and only as good as the file system's locks: local file systems and NFSv4
 * honour them; a file system without locks fails {@code acquire} with an {@link IOException} that
 * names the lock file.
 */
public final class FolderLock implements AutoCloseable {
  /** The lock file's name inside the locked folder. */
  public static final String FILE_NAME = ".mvgen.lock";

  /** The folder of members' lock files, inside the locked folder. */
  public static final String MEMBERS_DIR = ".mvgen.lock.d";

  /** How long {@link #acquire} and {@link #acquireShared} retry before refusing. */
  public static final Duration DEFAULT_PATIENCE = Duration.ofSeconds(2);

  private static final Pattern MEMBER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  private static final DateTimeFormatter SINCE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z").withZone(ZoneId.systemDefault());

  /** Lock files this JVM holds, by absolute path; guarded by itself. */
  private static final Map<Path, Held> HELD = new HashMap<>();

  private final Path dir;
  private final List<Path> files; // released in this order
  private final Holder holder;
  private boolean closed;

  private FolderLock(Path dir, List<Path> files, Holder holder) {
    this.dir = dir;
    this.files = files;
    this.holder = holder;
  }

  /**
   * Who holds a lock: the process id, its host, when it took the lock, and its command line.
   *
   * @param command the holder's command line as a user would type it, e.g. {@code mvgen ingest ...}
   */
  public record Holder(long pid, String host, Instant since, String command) {
    public Holder {
      if (pid < 0) {
        throw new IllegalArgumentException("pid (" + pid + ") must not be negative");
      }
      if (host == null || host.isBlank() || since == null || command == null) {
        throw new IllegalArgumentException("a holder needs a host, a start time and a command");
      }
    }

    /** This process, running {@code command}. */
    public static Holder self(String command) {
      return new Holder(ProcessHandle.current().pid(), hostName(), Instant.now(), command);
    }

    /** "pid 123 on host, since 2026-11-28 02:30:00 UTC, 'mvgen ingest ...'". */
    public String describe() {
      return "pid "
          + pid
          + " on "
          + host
          + ", since "
          + SINCE.format(since)
          + ", '"
          + command
          + "'";
    }

    String toFileText() {
      return "pid="
          + pid
          + "\nhost="
          + host
          + "\nsince="
          + since
          + "\ncommand="
          + command.replace('\n', ' ')
          + "\n";
    }

    static Optional<Holder> parse(String text) {
      Map<String, String> kv = new HashMap<>();
      for (String line : text.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          kv.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      try {
        return Optional.of(
            new Holder(
                Long.parseLong(kv.get("pid")),
                kv.get("host"),
                Instant.parse(kv.get("since")),
                kv.get("command")));
      } catch (RuntimeException e) { // absent or half-written: the holder has not said yet
        return Optional.empty();
      }
    }

    /** False only when the holder is on this host and its process is gone. */
    boolean mayBeAlive() {
      return !host.equals(hostName())
          || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  /** Refusal: the folder is locked by other holders, named in the message. */
  public static final class InUseException extends MvgenException {
    private final transient List<Holder> holders;

    InUseException(Path dir, List<Holder> holders) {
      super(message(dir, holders));
      this.holders = List.copyOf(holders);
    }

    /** The processes that hold the lock (empty when none could be identified). */
    public List<Holder> holders() {
      return holders;
    }

    private static String message(Path dir, List<Holder> holders) {
      if (holders.isEmpty()) {
        return dir
            + " is in use by another mvgen process (it has not said which). Wait for it to"
            + " finish or stop it.";
      }
      List<String> each = new ArrayList<>();
      for (Holder h : holders) {
        each.add(h.describe());
      }
      if (holders.size() == 1) {
        return dir + " is in use by mvgen (" + each.get(0) + "). Wait for it to finish or stop it.";
      }
      return dir
          + " is in use by "
          + holders.size()
          + " mvgen processes ("
          + String.join("; ", each)
          + "). Wait for them to finish or stop them.";
    }
  }

  /** Takes the exclusive lock on {@code dir} (created if missing) for this process's command. */
  public static FolderLock acquire(Path dir) throws InUseException, IOException {
    return acquire(dir, currentCommand(), DEFAULT_PATIENCE);
  }

  /**
   * Takes the exclusive lock on {@code dir} (created if missing), retrying for {@code patience}.
   *
   * @param command how the holder is named to others, e.g. {@code mvgen ingest a.mp4 --out data}
   * @throws InUseException if another holder (in this or another process) still holds it then
   * @throws IOException if the folder or lock file cannot be made, or the file system has no locks
   */
  public static FolderLock acquire(Path dir, String command, Duration patience)
      throws InUseException, IOException {
    Files.createDirectories(dir);
    Path main = lockFile(dir);
    Holder me = Holder.self(command);
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      if (tryLockFile(main, false, me)) {
        FolderLock lock = new FolderLock(dir, List.of(main), me);
        deleteMemberFiles(dir); // nobody holds a member while the main lock is exclusive
        return lock;
      }
      if (System.nanoTime() >= deadline) {
        throw new InUseException(dir, holders(dir));
      }
      pause();
    }
  }

  /** Takes the exclusive lock without waiting, or returns empty if anyone holds it. */
  public static Optional<FolderLock> tryAcquire(Path dir, String command) throws IOException {
    try {
      return Optional.of(acquire(dir, command, Duration.ZERO));
    } catch (InUseException e) {
      return Optional.empty();
    }
  }

  /**
   * Takes a shared lock on {@code dir} (created if missing) as {@code member}: other members may
   * hold it at the same time, an exclusive holder may not, and neither may a second holder of the
   * same member.
   *
   * @param member a name of letters, digits, '.', '_' and '-', e.g. {@code ingest-shard-2-of-4}
   */
  public static FolderLock acquireShared(Path dir, String member, String command, Duration patience)
      throws InUseException, IOException {
    if (!MEMBER_NAME.matcher(member).matches()) {
      throw new IllegalArgumentException(
          "member (" + member + ") must be 1-100 letters, digits, '.', '_' or '-'");
    }
    Files.createDirectories(dir.resolve(MEMBERS_DIR));
    Path main = lockFile(dir);
    Path mine = dir.resolve(MEMBERS_DIR).resolve(member + ".lock");
    Holder me = Holder.self(command);
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      boolean blockedByMember = false;
      if (tryLockFile(main, true, null)) {
        boolean got = false;
        try {
          // The member directory may have been cleaned by an exclusive holder meanwhile.
          Files.createDirectories(mine.getParent());
          got = tryLockFile(mine, false, me);
        } finally {
          if (!got) {
            unlockFile(main);
          }
        }
        if (got) {
          return new FolderLock(dir, List.of(mine, main), me);
        }
        blockedByMember = true;
      }
      if (System.nanoTime() >= deadline) {
        if (blockedByMember) {
          throw new InUseException(dir, readHolder(mine).map(List::of).orElse(List.of()));
        }
        throw new InUseException(dir, holders(dir));
      }
      pause();
    }
  }

  /**
   * The processes holding {@code dir}'s lock now, in any mode, each once (empty when it is free).
   * Briefly locks members' files to tell live ones from stale ones. Where the lock files cannot be
   * opened for writing, only exclusive holders are seen.
   */
  public static List<Holder> holders(Path dir) throws IOException {
    List<Holder> live = new ArrayList<>();
    Path members = dir.resolve(MEMBERS_DIR);
    if (Files.isDirectory(members)) {
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(members, "*.lock")) {
        s.forEach(files::add);
      } catch (NoSuchFileException e) {
        // cleaned meanwhile
      }
      files.sort(null);
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (Path f : files) {
        if (isLocked(f)) {
          // A process holding several members (a task and the source it writes) is named once.
          readHolder(f).filter(h -> seen.add(h.pid() + "@" + h.host())).ifPresent(live::add);
        }
      }
    }
    if (live.isEmpty() && isLocked(lockFile(dir))) {
      readHolder(lockFile(dir)).ifPresent(live::add);
    }
    return live;
  }

  /** The locked folder. */
  public Path dir() {
    return dir;
  }

  /** How this lock describes its holder to others. */
  public Holder holder() {
    return holder;
  }

  /** Releases the lock; idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    IOException first = null;
    for (Path f : files) {
      try {
        unlockFile(f);
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    return "FolderLock[" + dir + ", " + holder.describe() + "]";
  }

  /**
   * This process's command line as a user would type it: {@code mvgen ingest ...} when run through
   * mvgen's main class, else the JVM's own command (main class and arguments).
   */
  public static String currentCommand() {
    String cmd = System.getProperty("sun.java.command", "");
    String main = "org.mvgen.cli.Main";
    if (cmd.startsWith(main)) {
      cmd = "mvgen" + cmd.substring(main.length());
    }
    if (cmd.isBlank()) {
      cmd = ProcessHandle.current().info().commandLine().orElse("java");
    }
    return cmd.length() > 300 ? cmd.substring(0, 297) + "..." : cmd;
  }

  // ---- lock files, all opened under HELD's monitor ----

  /** One operating-system lock this JVM holds: a channel, its lock, and how many handles use it. */
  private static final class Held {
    final FileChannel channel;
    final FileLock lock;
    final Holder holder; // null for a shared main lock
    int count = 1;

    Held(FileChannel channel, FileLock lock, Holder holder) {
      this.channel = channel;
      this.lock = lock;
      this.holder = holder;
    }
  }

  private static Path lockFile(Path dir) {
    return dir.resolve(FILE_NAME);
  }

  private static Path key(Path file) {
    return file.toAbsolutePath().normalize();
  }

  /**
   * Locks {@code file} shared or exclusive; for an exclusive lock writes {@code holder} into it.
   * Returns false if anyone else (this JVM included) holds it incompatibly.
   */
  private static boolean tryLockFile(Path file, boolean shared, Holder holder) throws IOException {
    synchronized (HELD) {
      Held held = HELD.get(key(file));
      if (held != null) {
        if (shared && held.lock.isShared()) {
          held.count++;
          return true;
        }
        return false;
      }
      FileChannel ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock(0, Long.MAX_VALUE, shared);
      } catch (OverlappingFileLockException e) {
        lock = null; // held in this JVM outside this class: treat as taken
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw new IOException(
            "Cannot lock "
                + file
                + ": "
                + e.getMessage()
                + ". mvgen needs a file system with file locks (local disks and NFSv4 have"
                + " them) to keep two processes from writing the same folder.",
            e);
      }
      if (lock == null) {
        ch.close(); // safe: this JVM holds no lock on this file (else it would be in HELD)
        return false;
      }
      if (holder != null) {
        byte[] text = holder.toFileText().getBytes(StandardCharsets.UTF_8);
        try {
          ch.truncate(0);
          ch.write(ByteBuffer.wrap(text), 0);
          ch.force(false);
        } catch (IOException e) {
          // The lock is held; only its description for others' messages is missing (a full
          // disk): the work goes on, and fails where it writes data, naming that file.
          ch.truncate(0);
        }
      }
      HELD.put(key(file), new Held(ch, lock, holder));
      return true;
    }
  }

  private static void unlockFile(Path file) throws IOException {
    synchronized (HELD) {
      Held held = HELD.get(key(file));
      if (held == null || --held.count > 0) {
        return;
      }
      HELD.remove(key(file));
      try (FileChannel ch = held.channel) {
        if (held.holder != null) {
          ch.truncate(0); // a reader racing the next holder must not take us for it
        }
        held.lock.release();
      }
    }
  }

  /** Whether anyone (this JVM included) holds {@code file} now, in any mode. */
  private static boolean isLocked(Path file) throws IOException {
    synchronized (HELD) {
      if (HELD.containsKey(key(file))) {
        return true;
      }
      if (!Files.exists(file)) {
        return false;
      }
      FileChannel ch;
      boolean writable = true;
      try {
        ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      } catch (NoSuchFileException e) {
        return false;
      } catch (IOException e) {
        // Read-only (another user's dataset, a read-only disk): a shared lock still sees an
        // exclusive holder, though not other shared ones.
        writable = false;
        try {
          ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException again) {
          return false; // cannot tell: say free rather than fail a read-only inspection
        }
      }
      try (FileChannel c = ch) {
        FileLock lock = c.tryLock(0, Long.MAX_VALUE, !writable);
        if (lock == null) {
          return true;
        }
        lock.release();
        return false;
      } catch (OverlappingFileLockException e) {
        return true;
      }
    }
  }

  /**
   * The holder described in {@code file}: retried briefly when the file is empty or names a dead
   * process of this host, as when a new holder has locked it but not yet written itself.
   */
  private static Optional<Holder> readHolder(Path file) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Optional<Holder> h;
      synchronized (HELD) {
        Held held = HELD.get(key(file));
        if (held != null) {
          return Optional.ofNullable(held.holder);
        }
        String text;
        try {
          // Safe to open and close: this JVM holds no lock on the file (it is not in HELD).
          text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
          return Optional.empty();
        }
        h = Holder.parse(text);
      }
      if ((h.isPresent() && h.get().mayBeAlive()) || attempt >= 10) {
        return h.filter(Holder::mayBeAlive);
      }
      pause();
    }
  }

  /** Deletes members' lock files; called with the main lock held exclusively. */
  private static void deleteMemberFiles(Path dir) throws IOException {
    Path members = dir.resolve(MEMBERS_DIR);
    if (!Files.isDirectory(members)) {
      return;
    }
    synchronized (HELD) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(members)) {
        for (Path f : s) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(members);
    }
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for a folder lock");
    }
  }

  private static volatile String hostName;

  static String hostName() {
    String h = hostName;
    if (h == null) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = System.getenv().getOrDefault("HOSTNAME", "localhost");
      }
      hostName = h;
    }
    return h;
  }
}
