package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.gitstore.Repos;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.workspace.git.GitOps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.Constants;

/**
 * The git ops that read or extend the open branch: status, diff, commit, log. JGit work
 * runs off the event loop; diff and log on the heavy-op pool, within their bounds.
 */
final class GitOpHandlers {

  private static final int MAX_MESSAGE = 64 * 1024;

  private final Vertx vertx;
  private final Workspace workspace;
  private final GitOps git;
  private final WorkspaceEvents events;
  /** Where diff and log run: the node's pool for bounded heavy ops. */
  private final WorkerExecutor heavy;
  /** The bounds of diff and log, and the commits' e-mail domain. */
  private final WorkspaceSettings settings;
  private final Revisions revisions;

  GitOpHandlers(Vertx vertx, Workspace workspace, GitOps git, Revisions revisions, WorkspaceEvents events,
      WorkerExecutor heavy, WorkspaceSettings settings) {
    this.revisions = revisions;
    this.vertx = vertx;
    this.workspace = workspace;
    this.git = git;
    this.events = events;
    this.heavy = heavy;
    this.settings = settings;
  }

  void register(Map<String, Op> ops, Map<String, BesideOp> besides) {
    ops.put(WorkspaceOps.STATUS, r -> blocking(git::status).map(GitJson::status));
    ops.put(WorkspaceOps.DIFF, this::diff);
    ops.put(WorkspaceOps.COMMIT, this::commit);
    besides.put(WorkspaceOps.LOG, this::log);
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private Future<JsonObject> diff(Request r) {
    String path = Args.optString(r.args(), "path");
    if (path != null) {
      WorkspacePaths.require(path);
    }
    return heavy.executeBlocking(() -> git.diff(path, settings.diff()), false).map(GitJson::patch);
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
    return blocking(() -> git.commit(message, only, Repos.ident(r.user(), settings.emailDomain())))
        .map(commit -> {
          workspace.committed(commit);
          events.publishDurable(Events.COMMITTED, new JsonObject().put("commit", commit).put("by", r.user()), r);
          return new JsonObject().put("commit", commit);
        });
  }

  /**
   * The history of the open branch, or of {@code ref} (any revision a client may name): where it
   * starts is read in the op's turn, the walk runs beside the mailbox.
   */
  private Future<BesideOp.Work> log(Request r) {
    int limit = (int) Args.optLong(r.args(), "limit", 50, 1, 10_000);
    String path = Args.optString(r.args(), "path");
    if (path != null) {
      WorkspacePaths.require(path);
    }
    String ref = Args.optString(r.args(), "ref");
    return revisions.commit("ref", ref == null ? Constants.HEAD : ref, workspace.key().branch())
        .recover(e -> ref == null && Failures.normalize(e).code() == ErrorCode.NOT_FOUND
            ? Future.succeededFuture(null) : Future.failedFuture(e))
        .map(from -> () -> heavy.executeBlocking(() -> git.log(from, limit, path, settings.logTimeoutMs()), false)
            .map(h -> BesideOp.Finish.answer(GitJson.history(h))));
  }
}
