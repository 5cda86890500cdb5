package org.mvgen.util;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A second process for {@link FolderLockTest}: takes a folder lock, prints {@code LOCKED} (or
 * {@code REFUSED} and the message), then holds it until its standard input closes or it is killed.
 *
 * <pre>
 * java -cp ... org.mvgen.util.FolderLockHolder DIR [MEMBER]
 * </pre>
 */
public final class FolderLockHolder {
  private FolderLockHolder() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String command = "holder " + String.join(" ", args);
    FolderLock lock;
    try {
      lock =
          args.length > 1
              ? FolderLock.acquireShared(dir, args[1], command, Duration.ZERO)
              : FolderLock.acquire(dir, command, Duration.ZERO);
    } catch (FolderLock.InUseException e) {
      System.out.println("REFUSED " + e.getMessage());
      System.out.flush();
      System.exit(1);
      return;
    }
    try (lock) {
      System.out.println("LOCKED");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until stdin closes
      }
    }
  }
}
