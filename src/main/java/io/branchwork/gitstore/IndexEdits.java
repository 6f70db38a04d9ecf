package io.branchwork.gitstore;

import java.time.Instant;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;

/** Edits of a working copy's index that say what a file on disk now is, stat data included. */
public final class IndexEdits {

  private IndexEdits() {}

  /** Sets {@code path}'s entry: its mode, blob, and the length and time the file on disk has. */
  public static DirCacheEditor.PathEdit set(String path, FileMode mode, ObjectId blob, long length, Instant modified) {
    return new DirCacheEditor.PathEdit(path) {
      @Override
      public void apply(DirCacheEntry e) {
        e.setFileMode(mode);
        e.setObjectId(blob);
        e.setLength(length);
        e.setLastModified(modified);
      }
    };
  }
}
