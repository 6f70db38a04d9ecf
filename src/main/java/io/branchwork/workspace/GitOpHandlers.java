package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.HookEvents;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.gitstore.Repos;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.workspace.git.GitOps;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The git ops that read or extend the open branch: status, diff, commit, log. JGit work
 * runs off the event loop; diff and log on the heavy-op pool, within their bounds.
 */
final class GitOpHandlers {

  private static final int MAX_MESSAGE = 64 * 1024;
  /** Most paths one {@code commit} names. */
  static final int MAX_COMMIT_PATHS = 10_000;

  private final Vertx vertx;
  private final Workspace workspace;
  private final GitOps git;
  private final WorkspaceEvents events;
  /** Where diff and log run: the node's pool for bounded heavy ops. */
  private final WorkerExecutor heavy;
  /** The bounds of diff and log, and the commits' e-mail domain. */
  private final WorkspaceSettings settings;
  private final Revisions revisions;
  /** Makes the working tree durable as the work-in-progress commit that {@code diff} reads. */
  private final Persister persister;

  GitOpHandlers(Vertx vertx, Workspace workspace, GitOps git, Revisions revisions, Persister persister,
      WorkspaceEvents events, WorkerExecutor heavy, WorkspaceSettings settings) {
    this.persister = persister;
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
    besides.put(WorkspaceOps.DIFF, this::diff);
    ops.put(WorkspaceOps.COMMIT, this::commit);
    besides.put(WorkspaceOps.LOG, this::log);
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  /**
   * The working tree against HEAD, beside the mailbox: in its turn everything changed so far is
   * made durable, which captures the working tree as the work-in-progress commit; the patch is
   * then the diff of that commit's tree against HEAD's, read from commits while the workspace
   * goes on (a long diff no longer holds up every other op).
   */
  private Future<BesideOp.Work> diff(Request r) {
    String path = Args.optString(r.args(), "path");
    if (path != null) {
      WorkspacePaths.require(path);
    }
    return persister.flush().map(v -> {
      String head = persister.durableHead();
      String work = persister.durableWorkTree();
      return () -> heavy.executeBlocking(() -> {
        if (head == null) {
          return git.diff(path, settings.diff()); // no commit yet: nothing to read from
        }
        try (RevWalk walk = new RevWalk(workspace.repo())) {
          return git.diff(walk.parseCommit(ObjectId.fromString(head)).getTree(),
              walk.parseCommit(ObjectId.fromString(work)).getTree(), path, settings.diff());
        }
      }, false).map(p -> BesideOp.Finish.answer(GitJson.patch(p)));
    });
  }

  private Future<JsonObject> commit(Request r) {
    String message = Args.string(r.args(), "message");
    if (message.isBlank() || message.length() > MAX_MESSAGE) {
      throw BranchworkException.badRequest("'message' must have 1 to " + MAX_MESSAGE + " characters");
    }
    Object raw = r.args().getValue("paths");
    // Bounded: the commit matches every change against every path named.
    List<String> only = raw == null ? null : WorkspacePaths.requireAll("paths", raw, MAX_COMMIT_PATHS);
    String before = workspace.head();
    return blocking(() -> {
          String commit = git.commit(message, only, Repos.ident(r.user(), settings.emailDomain()));
          return Map.entry(commit, HookNotes.moved(workspace, HookEvents.COMMIT, r.user(), before,
              ObjectId.fromString(commit), new JsonObject()));
        })
        .map(made -> {
          String commit = made.getKey();
          workspace.committed(commit);
          workspace.announce(made.getValue());
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
