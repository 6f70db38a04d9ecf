package io.branchwork.workspace;

import io.branchwork.client.AllocatorClient;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.FileTrees;
import io.branchwork.core.Identifiers;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.gitstore.GitBranches;
import io.branchwork.gitstore.TreeGuard;
import io.branchwork.hooks.HookPayloads;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.branchwork.workspace.git.GitResults;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The branch ops: list (from the store), create, rename (close-and-reopen) and delete. They move
 * refs in the store and, with JGit off the event loop, in the working copy, and for a rename or
 * delete ask the allocator.
 */
final class BranchHandlers {

  private final Vertx vertx;
  private final Store store;
  private final AllocatorClient allocator;
  private final Workspace workspace;
  private final GitBranches refs;
  private final WorkspaceEvents events;
  /** Where scratch checkouts are made, and the load limits a new branch must fit. */
  private final WorkspaceSettings.Checkouts settings;

  BranchHandlers(Vertx vertx, Store store, AllocatorClient allocator, Workspace workspace, GitBranches refs,
      WorkspaceEvents events, WorkspaceSettings.Checkouts settings) {
    this.vertx = vertx;
    this.store = store;
    this.allocator = allocator;
    this.workspace = workspace;
    this.refs = refs;
    this.events = events;
    this.settings = settings;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.BRANCH_CREATE, this::branchCreate);
    ops.put(WorkspaceOps.BRANCH_RENAME, this::branchRename);
    ops.put(WorkspaceOps.BRANCH_DELETE, this::branchDelete);
    // From the store, not this working copy: it lists branches other nodes made since the load.
    ops.put(WorkspaceOps.BRANCHES, r -> store.listBranches(workspace.key().project())
        .map(list -> GitJson.branches(new GitResults.BranchList(workspace.key().branch(),
            list.stream().map(b -> new GitResults.RefHead(b.name(), b.head())).toList()))));
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  /**
   * A new branch at {@code from} (HEAD by default): durable before it answers, as a ref created
   * by compare-and-set in the store with the objects it needs, so any node can open it at once.
   */
  private Future<JsonObject> branchCreate(Request r) {
    String name = Identifiers.requireBranch(Args.string(r.args(), "name"));
    String from = Args.optString(r.args(), "from");
    // HEAD's commits are in the store (SETTLED_FIRST in the op table): a ref may name them.
    return blocking(() -> {
      var at = refs.resolveCommit(from);
      refs.requireCheckoutFits(at, settings.maxBytes(), settings.maxEntries());
      requireOpens(at);
      return at;
    }).compose(at -> workspace.writeRef(Refs.head(name), null, at, List.of(HookPayloads.branch(
            workspace.key().project(), r.user(), "created", name, at.name(), null)))
            .recover(e -> Failures.normalize(e).code() == ErrorCode.CONFLICT
                ? Future.failedFuture(BranchworkException.conflict("branch " + name + " already exists"))
                : Future.failedFuture(e))
            .compose(v -> blocking(() -> {
              if (!refs.hasBranch(name)) {
                refs.createBranchRef(name, at);
              }
              return new JsonObject().put("name", name).put("head", at.name());
            })));
  }

  /**
   * Checks {@code at} out once in a scratch directory, as every open of the new branch will: a
   * commit from an import's history whose tree a load would refuse (links out of the working
   * copy) is refused now, and the branch is never created.
   */
  private void requireOpens(ObjectId at) throws Exception {
    String probe = "branchwork-probe-" + UUID.randomUUID();
    refs.createBranchRef(probe, at);
    Path dir = Files.createTempDirectory(settings.tmpRoot(), "branch-");
    try {
      refs.checkoutCopy(workspace.workTree(), dir, probe);
      TreeGuard.verifyWorkTree(dir.toRealPath());
    } finally {
      refs.deleteBranchRef(probe);
      FileTrees.deleteQuietly(dir);
    }
  }

  /**
   * A real git rename of the open branch, as close-and-reopen: once every change is durable, git
   * and then the store (head and work-in-progress refs, checkpoints, session rows, in one
   * transaction) move to the new name; a store failure moves git back, so either the old or the
   * new name is fully in place. Then the sessions hear {@code renamed} (older clients) and
   * {@code closing {"reason":"renamed","branch"}}, this workspace refuses further ops, and its
   * allocator closes it. Clients reopen the new name; the gateway does so for its sessions.
   */
  private Future<JsonObject> branchRename(Request r) {
    WorkspaceKey from = workspace.key();
    String to = Identifiers.requireBranch(Args.string(r.args(), "to"));
    if (to.equals(from.branch())) {
      throw BranchworkException.conflict("the branch is already called " + to);
    }
    WorkspaceKey target = new WorkspaceKey(from.project(), to);
    // Every change is in the store (SETTLED_FIRST in the op table) before git and the store move.
    return blocking(() -> {
      if (refs.hasBranch(to)) {
        refs.deleteBranchRef(to); // a stale local copy: the store decides whether the name is free
      }
      refs.renameCurrent(to);
      return null;
    }).compose(v -> store.renameBranch(from.project(), from.branch(), to, List.of(HookPayloads.branch(
            from.project(), r.user(), "renamed", to, workspace.head(), from.branch())))
            .recover(e -> blocking(() -> {
              refs.renameCurrent(from.branch());
              return null;
            }).transform(ar -> Future.failedFuture(e))))
        .map(v -> {
          workspace.retire(target);
          events.publish(Events.RENAMED, new JsonObject().put(Events.FIELD_BRANCH, to).put("by", r.user()), r);
          events.publish(Events.CLOSING, new JsonObject().put(Events.FIELD_REASON, Events.REASON_RENAMED)
              .put(Events.FIELD_BRANCH, to), r);
          // After this op has answered: closing waits for the workspace's queue to drain.
          vertx.runOnContext(x -> allocator.renamed(from));
          return new JsonObject().put("name", to);
        });
  }

  private Future<JsonObject> branchDelete(Request r) {
    WorkspaceKey self = workspace.key();
    String name = Identifiers.requireBranch(Args.string(r.args(), "name"));
    if (name.equals(self.branch())) {
      throw BranchworkException.conflict("cannot delete the open branch");
    }
    WorkspaceKey target = new WorkspaceKey(self.project(), name);
    return allocator.lookup(target)
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.failedFuture(BranchworkException.conflict("branch " + name + " is open"));
          }
          BranchworkException e = (BranchworkException) ar.cause();
          return e.code() == ErrorCode.NOT_FOUND ? Future.succeededFuture() : Future.failedFuture(e);
        })
        .compose(v -> store.deleteBranch(target.project(), name, List.of(HookPayloads.branch(
            target.project(), r.user(), "deleted", name, null, null))))
        .compose(v -> blocking(() -> {
          if (refs.hasBranch(name)) {
            refs.deleteBranchRef(name);
          }
          return new JsonObject();
        }));
  }
}
