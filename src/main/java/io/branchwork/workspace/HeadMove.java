package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * Moves the open branch from its head to another commit in the live working copy, as a push or
 * a merge does: a two-way checkout (only the files that differ are written; uncommitted changes
 * elsewhere are kept), the branch ref, then, on the event loop, the caches, the durability
 * round, {@code committed} and one {@code changed} per file. The caller has checked that no
 * uncommitted change is on a path the move changes ({@code gitstore.Uncommitted}).
 */
final class HeadMove {

  /** A file the move changed: its path and new blob (null: gone). */
  record Change(String path, String blob) {}

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

  /** The files that differ between the trees of two commits, with their blobs in {@code to}. Blocking. */
  List<Change> changes(ObjectId from, ObjectId to) throws IOException {
    Repository repo = workspace.repo();
    List<Change> changes = new ArrayList<>();
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(walk.parseCommit(from).getTree());
      tw.addTree(walk.parseCommit(to).getTree());
      tw.setRecursive(true);
      tw.setFilter(TreeFilter.ANY_DIFF);
      while (tw.next()) {
        boolean gone = tw.getFileMode(1).getObjectType() != Constants.OBJ_BLOB;
        changes.add(new Change(tw.getPathString(), gone ? null : tw.getObjectId(1).name()));
      }
    }
    return changes;
  }

  /**
   * Checks {@code next} out over {@code head}, which HEAD must still be, and moves the branch;
   * answers what changed. Blocking.
   */
  List<Change> checkOut(ObjectId head, ObjectId next) throws IOException {
    Repository repo = workspace.repo();
    new GitBranches(repo).requireCheckoutFits(next, limits.maxBytes(), limits.maxEntries());
    List<Change> changes = changes(head, next);
    long delta = 0;
    try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader();
         TreeWalk tw = new TreeWalk(reader)) {
      RevCommit from = walk.parseCommit(head);
      RevCommit to = walk.parseCommit(next);
      tw.addTree(from.getTree());
      tw.addTree(to.getTree());
      tw.setRecursive(true);
      tw.setFilter(TreeFilter.ANY_DIFF);
      while (tw.next()) {
        delta -= size(reader, tw, 0);
        delta += size(reader, tw, 1);
      }
      DirCache index = repo.lockDirCache();
      DirCacheCheckout checkout = new DirCacheCheckout(repo, from.getTree(), index, to.getTree());
      checkout.setFailOnConflict(true);
      checkout.checkout();
      RefUpdate u = repo.updateRef(Constants.R_HEADS + workspace.key().branch());
      u.setExpectedOldObjectId(head);
      u.setNewObjectId(next);
      u.disableRefLog();
      RefUpdate.Result result = u.forceUpdate();
      if (result != RefUpdate.Result.FORCED && result != RefUpdate.Result.FAST_FORWARD) {
        throw new IllegalStateException("cannot move the branch: " + result);
      }
    }
    tree.files().changedBy(delta);
    return changes;
  }

  /** After {@link #checkOut}, on the event loop: caches, the round, and the events, for {@code r}. */
  void moved(ObjectId next, List<Change> changes, Request r) {
    for (Change c : changes) {
      tree.cache().dropTree(c.path());
      persister.touch(c.path());
    }
    persister.afterDurable(() -> changes.forEach(c -> tree.view().dropTree(c.path())));
    workspace.committed(next.name());
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
