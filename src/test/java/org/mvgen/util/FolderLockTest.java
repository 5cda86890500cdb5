package org.mvgen.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks taken and refused within this JVM and against other JVM processes, killed ones included.
 */
class FolderLockTest {
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopHolders() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void secondAcquisitionInTheSameJvmIsRefusedNamingThisProcess(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("run"); // created by acquire
    try (FolderLock lock = FolderLock.acquire(dir, "mvgen train data --out run", Duration.ZERO)) {
      assertTrue(Files.isRegularFile(dir.resolve(FolderLock.FILE_NAME)));
      FolderLock.InUseException e =
          assertThrows(
              FolderLock.InUseException.class,
              () -> FolderLock.acquire(dir, "other", Duration.ofMillis(100)));
      String pid = Long.toString(ProcessHandle.current().pid());
      assertTrue(
          e.getMessage()
              .startsWith(dir + " is in use by mvgen (pid " + pid + " on " + FolderLock.hostName()),
          e.getMessage());
      assertTrue(e.getMessage().contains("'mvgen train data --out run'"), e.getMessage());
      assertTrue(e.getMessage().endsWith("Wait for it to finish or stop it."), e.getMessage());
      assertEquals(List.of(lock.holder()), FolderLock.holders(dir));
      assertTrue(FolderLock.tryAcquire(dir, "other").isEmpty());
      lock.close();
      lock.close(); // idempotent
      assertEquals(List.of(), FolderLock.holders(dir));
    }
    try (FolderLock again = FolderLock.acquire(dir, "again", Duration.ZERO)) {
      assertEquals("again", again.holder().command());
    }
  }

  @Test
  void anotherProcessHoldingItIsNamedAndItsExitReleasesIt(@TempDir Path dir) throws Exception {
    Process holder = startHolder(dir);
    FolderLock.InUseException e =
        assertThrows(
            FolderLock.InUseException.class,
            () -> FolderLock.acquire(dir, "me", Duration.ofMillis(200)));
    assertTrue(e.getMessage().contains("(pid " + holder.pid() + " on "), e.getMessage());
    assertTrue(e.getMessage().contains("'holder " + dir + "'"), e.getMessage());
    assertEquals(1, e.holders().size());
    holder.getOutputStream().close(); // the holder releases and exits
    assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
    // This process holding the lock is named to the other process just the same.
    try (FolderLock mine = FolderLock.acquire(dir, "mvgen encode data", Duration.ZERO)) {
      Process refused = start(dir);
      String line = firstLine(refused);
      assertTrue(line.startsWith("REFUSED"), line);
      assertTrue(
          line.contains("(pid " + ProcessHandle.current().pid() + " on ")
              && line.contains("'mvgen encode data'"),
          line);
      assertEquals(1, refused.waitFor());
    }
  }

  @Test
  void aKilledHolderDoesNotLeaveTheFolderStuck(@TempDir Path dir) throws Exception {
    Process holder = startHolder(dir);
    assertFalse(FolderLock.holders(dir).isEmpty());
    holder.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
    assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
    // The dead holder's description is still in the file; the lock itself is gone.
    assertTrue(Files.readString(dir.resolve(FolderLock.FILE_NAME)).contains("pid=" + holder.pid()));
    assertEquals(List.of(), FolderLock.holders(dir));
    try (FolderLock lock = FolderLock.acquire(dir, "next", Duration.ZERO)) {
      assertEquals(ProcessHandle.current().pid(), lock.holder().pid());
    }
  }

  @Test
  void membersShareTheFolderAndExcludeTheExclusiveAndTheirOwnDouble(@TempDir Path dir)
      throws Exception {
    Process a = startHolder(dir, "shard-0-of-2");
    Process b = startHolder(dir, "shard-1-of-2");
    FolderLock.InUseException e =
        assertThrows(
            FolderLock.InUseException.class,
            () -> FolderLock.acquire(dir, "mvgen encode", Duration.ofMillis(100)));
    assertTrue(e.getMessage().contains(" is in use by 2 mvgen processes ("), e.getMessage());
    assertTrue(
        e.getMessage().contains("pid " + a.pid()) && e.getMessage().contains("pid " + b.pid()),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("Wait for them to finish or stop them."), e.getMessage());

    FolderLock.InUseException same =
        assertThrows(
            FolderLock.InUseException.class,
            () -> FolderLock.acquireShared(dir, "shard-0-of-2", "again", Duration.ofMillis(100)));
    assertEquals(1, same.holders().size());
    assertEquals(a.pid(), same.holders().get(0).pid());

    // A third member joins from this JVM while the others hold theirs; this JVM's second member
    // (as a task holds the source it writes) does not count it twice.
    try (FolderLock c = FolderLock.acquireShared(dir, "shard-2-of-3", "c", Duration.ZERO);
        FolderLock d = FolderLock.acquireShared(dir, "source-x", "c", Duration.ZERO)) {
      assertEquals(3, FolderLock.holders(dir).size());
    }
    a.destroyForcibly().waitFor();
    b.getOutputStream().close();
    b.waitFor();
    try (FolderLock x = FolderLock.acquire(dir, "merge", Duration.ZERO)) {
      assertFalse(Files.exists(dir.resolve(FolderLock.MEMBERS_DIR)), "members' files cleaned");
    }
  }

  @Test
  void membersInOneJvmAreCountedNotLockedTwice(@TempDir Path dir) throws Exception {
    FolderLock a = FolderLock.acquireShared(dir, "a", "a", Duration.ZERO);
    FolderLock b = FolderLock.acquireShared(dir, "b", "b", Duration.ZERO);
    assertThrows(
        FolderLock.InUseException.class,
        () -> FolderLock.acquireShared(dir, "a", "a2", Duration.ZERO));
    assertThrows(
        FolderLock.InUseException.class, () -> FolderLock.acquire(dir, "x", Duration.ZERO));
    a.close();
    // b still holds the shared lock: closing a must not have dropped it.
    Process refused = start(dir);
    assertTrue(firstLine(refused).startsWith("REFUSED"));
    b.close();
    FolderLock.acquire(dir, "x", Duration.ZERO).close();
    assertThrows(
        IllegalArgumentException.class,
        () -> FolderLock.acquireShared(dir, "../x", "bad", Duration.ZERO));
  }

  @Test
  void aWaitingAcquirerGetsTheLockWhenTheHolderLetsGoWithinItsPatience(@TempDir Path dir)
      throws Exception {
    FolderLock first = FolderLock.acquire(dir, "first", Duration.ZERO);
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(200);
                first.close();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    t.start();
    try (FolderLock second = FolderLock.acquire(dir, "second", Duration.ofSeconds(10))) {
      assertEquals("second", second.holder().command());
    }
    t.join();
  }

  private Process startHolder(Path dir, String... member) throws Exception {
    Process p = start(dir, member);
    String line = firstLine(p);
    assertEquals("LOCKED", line, "the holder process could not take the lock");
    return p;
  }

  private Process start(Path dir, String... member) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(FolderLockHolder.class.getName());
    cmd.add(dir.toString());
    cmd.addAll(List.of(member));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    started.add(p);
    return p;
  }

  private static String firstLine(Process p) throws IOException {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    return line == null ? "(no output)" : line;
  }
}
