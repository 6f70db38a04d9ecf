package io.branchwork.gitstore;

import java.io.File;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * Cuts JGit off from the machine's git set-up: no system, user or XDG config (which could sign
 * commits, set filters or hooks paths, or name another identity). JGit's own config, where it
 * keeps the measured timestamp resolution of each file system, is a file in Branchwork's data
 * directory, so the measurement (seconds on some disks) happens once, not at every start.
 * Installed once per JVM at start, before any repository is opened.
 */
public final class GitEnvironment {

  private static volatile boolean installed;

  private GitEnvironment() {}

  public static synchronized void isolate(Path jgitConfig) {
    if (installed) {
      return;
    }
    File jgitConfigFile = jgitConfig.toFile();
    SystemReader.setInstance(new SystemReader.Delegate(SystemReader.getInstance()) {
      @Override
      public FileBasedConfig openUserConfig(Config parent, FS fs) {
        return new EmptyConfig(parent, fs);
      }

      @Override
      public FileBasedConfig openSystemConfig(Config parent, FS fs) {
        return new EmptyConfig(parent, fs);
      }

      @Override
      public FileBasedConfig openJGitConfig(Config parent, FS fs) {
        return new FileBasedConfig(parent, jgitConfigFile, fs);
      }
    });
    installed = true;
  }

  /**
   * Measures (or reads from JGit's config) the timestamp resolution of the file system that
   * holds {@code dir}, before any repository needs it; JGit would otherwise do it on first use
   * inside some repository. Blocking: call it before the node serves.
   */
  public static FS.FileStoreAttributes measure(Path dir) {
    return FS.FileStoreAttributes.get(dir);
  }

  /** A config layer with nothing in it that never touches the disk. */
  private static final class EmptyConfig extends FileBasedConfig {
    EmptyConfig(Config parent, FS fs) {
      super(parent, (File) null, fs);
    }

    @Override
    public void load() {
      // nothing to load: that is the point
    }

    @Override
    public void save() {
      // never written
    }

    @Override
    public boolean isOutdated() {
      return false;
    }
  }
}
