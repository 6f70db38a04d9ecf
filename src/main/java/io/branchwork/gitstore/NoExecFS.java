package io.branchwork.gitstore;

import java.io.File;
import java.io.OutputStream;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.FS_POSIX;
import org.eclipse.jgit.util.ProcessResult;

/**
 * A file system view for JGit that can run nothing: no hooks, no shell. Repositories come from
 * users, so anything they could make the server execute (hooks, filters, fsmonitor) must fail
 * closed here rather than rely on every command being configured right.
 */
final class NoExecFS extends FS_POSIX {

  static final NoExecFS INSTANCE = new NoExecFS();

  private NoExecFS() {
    super();
  }

  private NoExecFS(FS src) {
    super(src);
  }

  @Override
  public FS newInstance() {
    return new NoExecFS(this);
  }

  @Override
  public File findHook(Repository repository, String hookName) {
    return null;
  }

  @Override
  public ProcessResult runHookIfPresent(Repository repository, String hookName, String[] args,
      OutputStream outRedirect, OutputStream errRedirect, String stdinArgs) {
    return new ProcessResult(ProcessResult.Status.NOT_PRESENT);
  }

  @Override
  public ProcessBuilder runInShell(String cmd, String[] args) {
    throw new UnsupportedOperationException("Branchwork never runs external commands from git");
  }
}
