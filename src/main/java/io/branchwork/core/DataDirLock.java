package io.branchwork.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock a node holds on its {@code data.dir} while it runs ({@code <dir>/branchwork.lock}):
 * a second node on the same directory would wipe the first one's working copies at start and
 * then fail on the embedded database's own lock; it stops first, saying who holds the directory.
 * The operating system drops the lock when the process dies, so a crash leaves nothing to clean.
 */
public final class DataDirLock implements AutoCloseable {

  public static final String FILE = "branchwork.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, creating the directory; fails with a sentence naming it when another node holds it. */
  public static DataDirLock acquire(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by a node of this same process
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException("another Branchwork holds " + dir.toAbsolutePath()
          + " (it has " + file.getFileName() + " locked); stop it, or give this node its own data.dir");
    }
    return new DataDirLock(channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the channel is gone either way; the lock goes with it
    }
  }
}
