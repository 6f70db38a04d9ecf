package io.branchwork.workspace;

import io.branchwork.contract.AllocatorClient;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.Identifiers;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Store;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.files.TreeGuard;
import io.branchwork.workspace.git.GitBranches;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The branch ops: create, rename (close-and-reopen) and delete. They move refs with JGit off the
 * event loop, keep the store's branches in step, and for a rename or delete ask the allocator.
 */
final class BranchHandlers {

  /** A clean checkout of a new branch in a temporary directory, and the commit it is on. */
  private record Checkout(Path dir, String head) {}

  /** Where checkouts are made, and the load limits a new branch must fit. */
  record Settings(Path tmpRoot, long maxBytes, long maxEntries) {}

  private final Vertx vertx;
  private final Store store;
  private final AllocatorClient allocator;
  private final Workspace workspace;
  private final GitBranches refs;
  private final SnapshotService snapshots;
  private final WorkspaceEvents events;
  private final Settings settings;

  BranchHandlers(Vertx vertx, Store store, AllocatorClient allocator, Workspace workspace, GitBranches refs,
      SnapshotService snapshots, WorkspaceEvents events, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.allocator = allocator;
    this.workspace = workspace;
    this.refs = refs;
    this.snapshots = snapshots;
    this.events = events;
    this.settings = settings;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.BRANCH_CREATE, this::branchCreate);
    ops.put(WorkspaceOps.BRANCH_RENAME, this::branchRename);
    ops.put(WorkspaceOps.BRANCH_DELETE, this::branchDelete);
  }

  private <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private Future<JsonObject> branchCreate(Request r) {
    String name = Identifiers.requireBranch(Args.string(r.args(), "name"));
    String from = Args.optString(r.args(), "from");
    WorkspaceKey target = new WorkspaceKey(workspace.key().project(), name);
    return requireNoStoredBranch(target)
        .compose(v -> blocking(() -> {
          if (refs.hasBranch(name)) {
            throw BranchworkException.conflict("branch " + name + " already exists");
          }
          var at = refs.resolveCommit(from);
          refs.requireCheckoutFits(at, settings.maxBytes(), settings.maxEntries());
          refs.createBranchRef(name, at);
          Path dir = Files.createTempDirectory(settings.tmpRoot(), "branch-");
          try {
            refs.checkoutCopy(workspace.workTree(), dir, name);
            // The commit may come from an import's history: what a load would refuse is refused now.
            TreeGuard.verifyWorkTree(dir.toRealPath());
          } catch (Exception e) {
            refs.deleteBranchRef(name);
            FileTrees.deleteQuietly(dir);
            throw e;
          }
          return new Checkout(dir, at.name());
        }))
        .compose(made -> {
          Path dir = made.dir();
          String head = made.head();
          return snapshots.save(target, dir, head, 0L)
              .eventually(() -> blocking(() -> {
                FileTrees.deleteQuietly(dir);
                return null;
              }))
              .recover(e -> blocking(() -> {
                refs.deleteBranchRef(name);
                return null;
              }).transform(ar -> Future.failedFuture(e)))
              .map(meta -> {
                workspace.markDirty();
                return new JsonObject().put("name", name).put("head", head);
              });
        });
  }

  private Future<Void> requireNoStoredBranch(WorkspaceKey key) {
    return store.latestSnapshot(key.project(), key.branch()).compose(s -> s.isPresent()
        ? Future.failedFuture(BranchworkException.conflict("branch " + key.branch() + " already exists"))
        : Future.succeededFuture());
  }

  /**
   * A real git rename of the open branch, as close-and-reopen: git and the store move to the new
   * name and the working copy (unsaved changes included) is saved under it; each step undoes the
   * ones before when it fails, so either the old or the new name is fully in place. Then the
   * sessions hear {@code renamed} (older clients) and {@code closing {"reason":"renamed","branch"}},
   * this workspace refuses further ops, and its allocator closes it without saving. Clients reopen
   * the new name; the gateway does so for its sessions.
   */
  private Future<JsonObject> branchRename(Request r) {
    WorkspaceKey from = workspace.key();
    String to = Identifiers.requireBranch(Args.string(r.args(), "to"));
    if (to.equals(from.branch())) {
      throw BranchworkException.conflict("the branch is already called " + to);
    }
    WorkspaceKey target = new WorkspaceKey(from.project(), to);
    // Each undo finishes before the op answers, so the next op in the queue sees one name or the other.
    Supplier<Future<Void>> gitBack = () -> blocking(() -> {
      refs.renameCurrent(from.branch());
      return null;
    });
    return requireNoStoredBranch(target)
        .compose(v -> blocking(() -> {
          if (refs.hasBranch(to)) {
            throw BranchworkException.conflict("branch " + to + " already exists");
          }
          refs.renameCurrent(to);
          return null;
        }))
        .compose(v -> store.renameBranch(from.project(), from.branch(), to)
            .recover(e -> gitBack.get().transform(ar -> Future.failedFuture(e))))
        .compose(v -> workspace.saveAs(target)
            .recover(e -> store.renameBranch(from.project(), to, from.branch())
                .transform(ar -> gitBack.get())
                .transform(ar -> Future.failedFuture(e))))
        .map(meta -> {
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
        .compose(v -> blocking(() -> {
          boolean inRepo = refs.hasBranch(name);
          if (inRepo) {
            refs.deleteBranchRef(name);
          }
          return inRepo;
        }))
        .compose(inRepo -> store.deleteBranch(target.project(), name)
            .transform(ar -> {
              if (ar.failed() && !(inRepo && Failures.normalize(ar.cause()).code() == ErrorCode.NOT_FOUND)) {
                return Future.failedFuture(ar.cause());
              }
              if (inRepo) {
                workspace.markDirty();
              }
              return Future.succeededFuture(new JsonObject());
            }));
  }
}
