package io.branchwork.workspace;

import io.branchwork.Services;
import io.branchwork.contract.AllocatorClient;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.Identifiers;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.workspace.files.FileTrees;
import io.branchwork.workspace.files.TreeGuard;
import io.branchwork.workspace.files.WorkspacePaths;
import io.branchwork.workspace.git.BoundedDiff;
import io.branchwork.workspace.git.GitBranches;
import io.branchwork.workspace.git.GitOps;
import io.branchwork.workspace.git.Repos;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The git ops of a workspace: status, diff, commit, log, branches and the branch ops. JGit work
 * runs in {@code executeBlocking}; branch ops also touch the store and, for a rename, the
 * allocator and the workspace's own address.
 */
final class GitHandlers {

  private static final int MAX_MESSAGE = 64 * 1024;

  /** A clean checkout of a new branch in a temporary directory, and the commit it is on. */
  private record Checkout(Path dir, String head) {}

  private final Vertx vertx;
  private final Services services;
  private final Workspace workspace;
  private final GitOps git;
  private final GitBranches refs;
  private final SnapshotService snapshots;
  private final WorkspaceEvents events;
  /** Where diffs run: the node's pool for bounded heavy ops. */
  private final WorkerExecutor heavy;
  private final AllocatorClient allocator;

  GitHandlers(Vertx vertx, Services services, Workspace workspace, GitOps git, GitBranches refs,
      SnapshotService snapshots, WorkspaceEvents events, WorkerExecutor heavy) {
    this.vertx = vertx;
    this.services = services;
    this.workspace = workspace;
    this.git = git;
    this.refs = refs;
    this.snapshots = snapshots;
    this.events = events;
    this.heavy = heavy;
    this.allocator = new AllocatorClient(vertx, services.config().requestTimeoutMs);
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.STATUS, r -> blocking(git::status).map(GitJson::status));
    ops.put(WorkspaceOps.DIFF, this::diff);
    ops.put(WorkspaceOps.COMMIT, this::commit);
    ops.put(WorkspaceOps.LOG, this::log);
    ops.put(WorkspaceOps.BRANCHES, r -> blocking(refs::branches).map(GitJson::branches));
    ops.put(WorkspaceOps.BRANCH_CREATE, this::branchCreate);
    ops.put(WorkspaceOps.BRANCH_RENAME, this::branchRename);
    ops.put(WorkspaceOps.BRANCH_DELETE, this::branchDelete);
  }

  private <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private Future<JsonObject> diff(Request r) {
    String path = Args.optString(r.args(), "path");
    if (path != null) {
      WorkspacePaths.require(path);
    }
    BoundedDiff bounds = new BoundedDiff(services.config().diffMaxPatchBytes, services.config().diffMaxFileBytes,
        services.config().diffTimeoutMs);
    return heavy.executeBlocking(() -> git.diff(path, bounds), false).map(GitJson::patch);
  }

  private Future<JsonObject> commit(Request r) {
    String message = Args.string(r.args(), "message");
    if (message.isBlank() || message.length() > MAX_MESSAGE) {
      throw BranchworkException.badRequest("'message' must have 1 to " + MAX_MESSAGE + " characters");
    }
    List<String> paths = null;
    Object raw = r.args().getValue("paths");
    if (raw != null) {
      if (!(raw instanceof JsonArray arr) || arr.isEmpty()) {
        throw BranchworkException.badRequest("'paths' must be a non-empty array of paths");
      }
      paths = new ArrayList<>();
      for (Object p : arr) {
        if (!(p instanceof String s)) {
          throw BranchworkException.badRequest("'paths' must hold strings");
        }
        paths.add(WorkspacePaths.require(s));
      }
    }
    List<String> only = paths;
    return blocking(() -> git.commit(message, only, Repos.ident(r.user(), services.config().emailDomain)))
        .map(commit -> {
          workspace.committed(commit);
          events.publish(Events.COMMITTED, new JsonObject().put("commit", commit).put("by", r.user()), r);
          return new JsonObject().put("commit", commit);
        });
  }

  private Future<JsonObject> log(Request r) {
    int limit = (int) Args.optLong(r.args(), "limit", 50, 1, 10_000);
    String path = Args.optString(r.args(), "path");
    if (path != null) {
      WorkspacePaths.require(path);
    }
    long timeoutMs = services.config().logTimeoutMs;
    return heavy.executeBlocking(() -> git.log(limit, path, timeoutMs), false).map(GitJson::history);
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
          refs.requireCheckoutFits(at, services.config().maxSnapshotBytes, services.config().maxSnapshotEntries);
          refs.createBranchRef(name, at);
          Path dir = Files.createTempDirectory(services.tmpRoot(), "branch-");
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
    return services.store().latestSnapshot(key.project(), key.branch()).compose(s -> s.isPresent()
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
        .compose(v -> services.store().renameBranch(from.project(), from.branch(), to)
            .recover(e -> gitBack.get().transform(ar -> Future.failedFuture(e))))
        .compose(v -> workspace.saveAs(target)
            .recover(e -> services.store().renameBranch(from.project(), to, from.branch())
                .transform(ar -> gitBack.get())
                .transform(ar -> Future.failedFuture(e))))
        .map(meta -> {
          workspace.retire(target);
          events.publish(Events.RENAMED, new JsonObject().put(Events.FIELD_BRANCH, to).put("by", r.user()), r);
          events.publish(Events.CLOSING, new JsonObject().put(Events.FIELD_REASON, Events.REASON_RENAMED)
              .put(Events.FIELD_BRANCH, to), r);
          // After this op has answered: closing waits for the workspace's queue to drain.
          vertx.runOnContext(x -> allocator.renamed(from, to));
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
        .compose(inRepo -> services.store().deleteBranch(target.project(), name)
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
