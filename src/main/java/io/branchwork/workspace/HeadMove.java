package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.gitstore.IndexEdits;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * Moves the open branch from its head to another commit in the live working copy, as a push or
 * a merge does: a two-way checkout (only the files that differ are written; uncommitted changes
 * elsewhere are kept), the branch ref, then, on the event loop, the caches, the durability
 * round, {@code committed} and one {@code changed} per file. The caller has checked that no
 * uncommitted change is on a path the move changes ({@code gitstore.Uncommitted}).
 */
final class HeadMove {

  /** A file the move changed: its path, new blob and mode (both null: gone). */
  record Change(String path, String blob, FileMode mode) {}

  /** What a move changes, and by how many bytes the files grow (when asked; 0 otherwise). */
  private record Diff(List<Change> changes, long delta) {}

  private final Workspace workspace;
  private final Persister persister;
  private final TreeState tree;
  private final WorkspaceEvents events;
  private final WorkspaceSettings.Checkouts limits;

  HeadMove(Workspace workspace, Persister persister, TreeState tree, WorkspaceEvents events,
      WorkspaceSettings.Checkouts limits) {
    this.workspace = workspace;
    this.persister = persister;
    this.tree = tree;
    this.events = events;
    this.limits = limits;
  }

  /** The files that differ between the trees of two commits, with their blobs and modes in {@code to}. Blocking. */
  List<Change> changes(ObjectId from, ObjectId to) throws IOException {
    return diff(from, to, false).changes();
  }

  /** One walk of the trees that differ: the changed files, and with {@code sizes} the bytes they add. */
  private Diff diff(ObjectId from, ObjectId to, boolean sizes) throws IOException {
    Repository repo = workspace.repo();
    List<Change> changes = new ArrayList<>();
    long delta = 0;
    try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader();
         TreeWalk tw = new TreeWalk(reader)) {
      tw.addTree(walk.parseCommit(from).getTree());
      tw.addTree(walk.parseCommit(to).getTree());
      tw.setRecursive(true);
      tw.setFilter(TreeFilter.ANY_DIFF);
      while (tw.next()) {
        boolean gone = tw.getFileMode(1).getObjectType() != Constants.OBJ_BLOB;
        changes.add(gone ? new Change(tw.getPathString(), null, null)
            : new Change(tw.getPathString(), tw.getObjectId(1).name(), tw.getFileMode(1)));
        if (sizes) {
          delta += size(reader, tw, 1) - size(reader, tw, 0);
        }
      }
    }
    return new Diff(changes, delta);
  }

  /**
   * Checks {@code next} out over {@code head}, which HEAD must still be, and moves the branch;
   * answers what changed. Blocking.
   */
  List<Change> checkOut(ObjectId head, ObjectId next) throws IOException {
    Repository repo = workspace.repo();
    new GitBranches(repo).requireCheckoutFits(next, limits.maxBytes(), limits.maxEntries());
    Diff diff = diff(head, next, true);
    try (RevWalk walk = new RevWalk(repo)) {
      DirCache index = repo.lockDirCache();
      DirCacheCheckout checkout = new DirCacheCheckout(repo, walk.parseCommit(head).getTree(), index,
          walk.parseCommit(next).getTree());
      checkout.setFailOnConflict(true);
      checkout.checkout();
      move(head, next);
    }
    tree.files().changedBy(diff.delta());
    return diff.changes();
  }

  /**
   * The paths among {@code paths} whose working file differs from {@code head} (changed, deleted,
   * or there while {@code head} has none): the uncommitted changes an op changing those paths
   * would overwrite. O(the paths), not O(the working copy). Blocking.
   */
  List<String> uncommitted(ObjectId head, Collection<String> paths) throws IOException {
    List<String> dirty = new ArrayList<>();
    if (paths.isEmpty()) {
      return dirty;
    }
    Repository repo = workspace.repo();
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(walk.parseCommit(head).getTree());
      tw.addTree(new FileTreeIterator(repo));
      tw.setRecursive(true);
      tw.setFilter(PathFilterGroup.createFromStrings(paths));
      while (tw.next()) {
        FileTreeIterator file = tw.getTree(1, FileTreeIterator.class);
        boolean inHead = tw.getFileMode(0).getObjectType() == Constants.OBJ_BLOB;
        if (file == null ? inHead : !inHead || !file.getEntryObjectId().equals(tw.getObjectId(0))) {
          dirty.add(tw.getPathString());
        }
      }
    }
    return dirty;
  }

  /**
   * Moves the branch from {@code head} to {@code next} touching only {@code changes} (from
   * {@link #changes}): their files written or deleted through the working copy, their index
   * entries edited, nothing else read or stat'ed, so the cost is O(the change). The caller has
   * checked that none of them has an uncommitted change. A change to a link falls back to a full
   * checkout. Blocking.
   */
  void apply(ObjectId head, ObjectId next, List<Change> changes) throws IOException {
    Repository repo = workspace.repo();
    WorkingCopy files = tree.files();
    if (changes.stream().anyMatch(c -> c.mode() != null && c.mode() != FileMode.REGULAR_FILE
        && c.mode() != FileMode.EXECUTABLE_FILE) || tooBigToWrite(changes)) {
      checkOut(head, next);
      return;
    }
    DirCache index = repo.lockDirCache();
    try (ObjectReader reader = repo.newObjectReader()) {
      long adds = changes.stream().filter(c -> c.blob() != null).count();
      if (index.getEntryCount() + adds > limits.maxEntries()) {
        throw BranchworkException.tooLarge("the branch would hold more than " + limits.maxEntries()
            + " files (limits.maxSnapshotEntries)");
      }
      DirCacheEditor edit = index.editor();
      for (Change c : changes) {
        if (c.blob() == null) {
          files.delete(c.path(), null);
          edit.add(new DirCacheEditor.DeletePath(c.path()));
        }
      }
      for (Change c : changes) {
        if (c.blob() == null) {
          continue;
        }
        ObjectId blob = ObjectId.fromString(c.blob());
        files.write(c.path(), reader.open(blob, Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE), null);
        Path written = files.root().resolve(c.path());
        long length = Files.size(written);
        Instant modified = Files.getLastModifiedTime(written).toInstant();
        edit.add(IndexEdits.set(c.path(), c.mode(), blob, length, modified));
      }
      edit.commit();
      move(head, next);
    } finally {
      index.unlock();
    }
  }

  /** Whether a file of the change is larger than a working-copy write takes (the full checkout writes it). */
  private boolean tooBigToWrite(List<Change> changes) throws IOException {
    try (ObjectReader reader = workspace.repo().newObjectReader()) {
      for (Change c : changes) {
        if (c.blob() != null
            && reader.getObjectSize(ObjectId.fromString(c.blob()), Constants.OBJ_BLOB) > tree.files().maxFileBytes()) {
          return true;
        }
      }
    }
    return false;
  }

  private void move(ObjectId head, ObjectId next) throws IOException {
    RefUpdate u = workspace.repo().updateRef(Constants.R_HEADS + workspace.key().branch());
    u.setExpectedOldObjectId(head);
    u.setNewObjectId(next);
    u.disableRefLog();
    RefUpdate.Result result = u.forceUpdate();
    if (result != RefUpdate.Result.FORCED && result != RefUpdate.Result.FAST_FORWARD) {
      throw new IllegalStateException("cannot move the branch: " + result);
    }
  }

  /**
   * After {@link #checkOut}, on the event loop: caches, the round, and the events, for {@code r};
   * {@code hook} goes to the webhooks with the round that stores the move.
   */
  void moved(ObjectId next, List<Change> changes, Request r, HookEvent hook) {
    for (Change c : changes) {
      tree.cache().dropTree(c.path());
      persister.touch(c.path());
    }
    persister.afterDurable(() -> changes.forEach(c -> tree.view().dropTree(c.path())));
    workspace.committed(next.name());
    workspace.announce(hook);
    events.publishDurable(Events.COMMITTED, new JsonObject().put("commit", next.name()).put("by", r.user()), r);
    for (Change c : changes) {
      events.changed(c.path(), c.blob(), r);
    }
  }

  private static long size(ObjectReader reader, TreeWalk tw, int tree) throws IOException {
    return tw.getFileMode(tree).getObjectType() == Constants.OBJ_BLOB
        ? reader.getObjectSize(tw.getObjectId(tree), Constants.OBJ_BLOB) : 0;
  }
}
