package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.PackCatchUp;
import io.branchwork.gitstore.Uncommitted;
import io.branchwork.hooks.HookPayloads;
import io.branchwork.store.Store;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * A {@code git push} to the open branch ({@link WorkspaceOps#RECEIVE}), in order with the
 * workspace's other ops: git's {@code receive.denyCurrentBranch=updateInstead}. Refused unless
 * everything is durable and the working tree is exactly the head's (no work in progress) and
 * the head is still the commit the pusher saw; then the pushed commit is checked out over the
 * head (only the files that differ are written), the head moves, the move is made durable, and
 * the sessions hear {@code committed} and one {@code changed} per file that differs.
 */
final class ReceiveOps {

  private final Vertx vertx;
  private final Store store;
  private final Workspace workspace;
  private final Repository repo;
  private final Persister persister;
  private final HeadMove move;
  /** Where scratch files go. */
  private final Path tmpRoot;

  ReceiveOps(Vertx vertx, Store store, Workspace workspace, Persister persister, HeadMove move, Path tmpRoot) {
    this.vertx = vertx;
    this.store = store;
    this.workspace = workspace;
    this.repo = workspace.repo();
    this.persister = persister;
    this.move = move;
    this.tmpRoot = tmpRoot;
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
    return PackCatchUp.ensure(vertx, store, workspace.key().project(), repo, tmpRoot, List.of(next))
        .compose(v -> vertx.executeBlocking(() -> {
          if (!PackCatchUp.has(repo, next)) {
            throw BranchworkException.notFound("commit " + next.name() + " is not in the store");
          }
          List<HeadMove.Change> changes = move.checkOut(expected, next);
          return Map.entry(changes, HookPayloads.push(workspace.key().project(), r.user(), Constants.R_HEADS + branch,
              expected, next, HookPayloads.commits(repo, expected, next)));
        }, false))
        .compose(done -> {
          List<HeadMove.Change> changes = done.getKey();
          persister.stored(next);
          move.moved(next, changes, r, done.getValue());
          // Answered once the move is stored (DURABLE in the op table).
          return Future.succeededFuture(new JsonObject().put("commit", next.name()).put("changed", changes.size()));
        });
  }

  private static ObjectId id(JsonObject args, String field) {
    String s = Args.string(args, field);
    if (!ObjectId.isId(s)) {
      throw BranchworkException.badRequest("'" + field + "' must be a commit id");
    }
    return ObjectId.fromString(s);
  }
}
