package io.branchwork.workspace;

import io.branchwork.core.BranchworkException;
import io.branchwork.workspace.compile.Compiler;
import java.io.IOException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A commit's tree as a compiler reads files: regular files only (a link is no file here), each
 * within {@code limits.maxFileBytes} (checked from the object's header before it is read). What
 * {@code compile} and {@code render} read beside the mailbox: a state that no later op changes.
 * Blocking; one thread.
 */
final class TreeSources implements Compiler.Sources, AutoCloseable {

  private final ObjectReader reader;
  /** Null: nothing was ever written (no file). */
  private final ObjectId tree;
  private final int maxFileBytes;

  TreeSources(Repository repo, ObjectId tree, int maxFileBytes) {
    this.reader = repo.newObjectReader();
    this.tree = tree;
    this.maxFileBytes = maxFileBytes;
  }

  /** The file's content and blob id, or null when there is no regular file at {@code path}. */
  @Override
  public Compiler.Source read(String path) throws IOException {
    if (tree == null) {
      return null;
    }
    try (TreeWalk tw = TreeWalk.forPath(reader, path, tree)) {
      if (tw == null) {
        return null;
      }
      FileMode mode = tw.getFileMode(0);
      if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
        return null;
      }
      ObjectId id = tw.getObjectId(0);
      long size = reader.getObjectSize(id, Constants.OBJ_BLOB);
      if (size > maxFileBytes) {
        throw BranchworkException.tooLarge(path + " is larger than limits.maxFileBytes (" + maxFileBytes + ")");
      }
      return new Compiler.Source(reader.open(id, Constants.OBJ_BLOB).getCachedBytes(maxFileBytes), id.name());
    }
  }

  @Override
  public void close() {
    reader.close();
  }
}
