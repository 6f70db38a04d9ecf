package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.gitstore.PackCatchUp;
import io.branchwork.gitstore.Uncommitted;
import io.branchwork.store.Store;
import io.branchwork.views.ReadView;
import io.branchwork.workspace.files.ContentCache;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * A {@code git push} to the open branch ({@link WorkspaceOps#RECEIVE}), in order with the
 * workspace's other ops: git's {@code receive.denyCurrentBranch=updateInstead}. Refused unless
 * everything is durable and the working tree is exactly the head's (no work in progress) and
 * the head is still the commit the pusher saw; then the pushed commit is checked out over the
 * head (only the files that differ are written), the head moves, the move is made durable, and
 * the sessions hear {@code committed} and one {@code changed} per file that differs.
 */
final class ReceiveOps {

  /** A file the move changed: its path and new blob (null: gone). */
  private record Change(String path, String blob) {}

  private final Vertx vertx;
  private final Store store;
  private final Workspace workspace;
  private final Repository repo;
  private final Persister persister;
  private final WorkingCopy files;
  private final ContentCache cache;
  private final ReadView view;
  private final WorkspaceEvents events;
  /** Where scratch files go, and the load limits the pushed commit must fit. */
  private final WorkspaceSettings.Checkouts settings;

  ReceiveOps(Vertx vertx, Store store, Workspace workspace, Persister persister, TreeState tree,
      WorkspaceEvents events, WorkspaceSettings.Checkouts settings) {
    this.vertx = vertx;
    this.store = store;
    this.workspace = workspace;
    this.repo = workspace.repo();
    this.persister = persister;
    this.files = tree.files();
    this.cache = tree.cache();
    this.view = tree.view();
    this.events = events;
    this.settings = settings;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.RECEIVE, this::receive);
  }

  private Future<JsonObject> receive(Request r) {
    String branch = workspace.key().branch();
    ObjectId expected = id(r.args(), WorkspaceOps.FIELD_OLD);
    ObjectId next = id(r.args(), WorkspaceOps.FIELD_NEW);
    // Everything acknowledged so far is durable first (SETTLED_FIRST in the op table): then "no
    // work-in-progress ref" means clean.
    Uncommitted.requireNone(branch, persister.durableWip());
    if (!Objects.equals(expected.name(), persister.durableHead())) {
      return Future.failedFuture(BranchworkException.conflict("branch " + branch + " moved to "
          + persister.durableHead() + " meanwhile; fetch first"));
    }
    return vertx.executeBlocking(() -> PackCatchUp.has(repo, next), false)
        .compose(has -> has ? Future.succeededFuture()
            : PackCatchUp.run(vertx, store, workspace.key().project(), repo, settings.tmpRoot()))
        .compose(v -> vertx.executeBlocking(() -> checkOut(expected, next), false))
        .compose(changes -> {
          persister.stored(next);
          for (Change c : changes) {
            cache.dropTree(c.path());
            persister.touch(c.path());
          }
          persister.afterDurable(() -> changes.forEach(c -> view.dropTree(c.path())));
          workspace.committed(next.name());
          events.publishDurable(Events.COMMITTED, new JsonObject().put("commit", next.name()).put("by", r.user()), r);
          for (Change c : changes) {
            events.changed(c.path(), c.blob(), r);
          }
          // Answered once the move is stored (DURABLE in the op table).
          return Future.succeededFuture(new JsonObject().put("commit", next.name()).put("changed", changes.size()));
        });
  }

  /**
   * Checks {@code next} out over {@code head} (a two-way checkout: only the files that differ
   * are written), moves the branch, and answers what changed. Blocking.
   */
  private List<Change> checkOut(ObjectId head, ObjectId next) throws Exception {
    if (!PackCatchUp.has(repo, next)) {
      throw BranchworkException.notFound("commit " + next.name() + " is not in the store");
    }
    new GitBranches(repo).requireCheckoutFits(next, settings.maxBytes(), settings.maxEntries());
    List<Change> changes = new ArrayList<>();
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
        boolean gone = tw.getFileMode(1).getObjectType() != Constants.OBJ_BLOB;
        changes.add(new Change(tw.getPathString(), gone ? null : tw.getObjectId(1).name()));
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
    files.changedBy(delta);
    return changes;
  }

  private static long size(ObjectReader reader, TreeWalk tw, int tree) throws IOException {
    return tw.getFileMode(tree).getObjectType() == Constants.OBJ_BLOB
        ? reader.getObjectSize(tw.getObjectId(tree), Constants.OBJ_BLOB) : 0;
  }

  private static ObjectId id(JsonObject args, String field) {
    String s = Args.string(args, field);
    if (!ObjectId.isId(s)) {
      throw BranchworkException.badRequest("'" + field + "' must be a commit id");
    }
    return ObjectId.fromString(s);
  }
}
