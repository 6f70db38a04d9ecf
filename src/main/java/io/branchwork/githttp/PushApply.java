package io.branchwork.githttp;

import io.branchwork.client.AllocatorClient;
import io.branchwork.client.WorkspaceClient;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.gitstore.Uncommitted;
import io.branchwork.hooks.HookPayloads;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.transport.ReceiveCommand;

/**
 * Applies the commands of a push whose objects are in the store already, one after the other,
 * setting each command's result. A branch that is open in a workspace (on any node) moves through
 * that workspace ({@link WorkspaceOps#RECEIVE}), in order with its other ops; a branch nobody has
 * open, and every tag, moves by compare-and-set in the store. A branch open anywhere is never
 * deleted, as {@code branch.delete} refuses it. Runs on the event loop.
 */
final class PushApply {

  /** How often, and how far apart, a workspace still loading is asked again. */
  private static final int LOADING_RETRIES = 50;
  private static final long LOADING_RETRY_MS = 100;

  private final Vertx vertx;
  private final Store store;
  private final AllocatorClient allocator;
  private final String project;
  private final String user;
  private final WorkspaceClient workspaces;

  PushApply(Vertx vertx, Store store, AllocatorClient allocator, String project, String user, long timeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.allocator = allocator;
    this.project = project;
    this.user = user;
    this.workspaces = new WorkspaceClient(vertx, timeoutMs);
  }

  /**
   * Applies {@code commands} in order; each ends with a result (never fails as a whole). A
   * command's webhook events ({@code push}, and {@code branch} or {@code tag} when it creates or
   * deletes one) are stored in the transaction that moves its ref; {@code commits} holds what
   * each command adds ({@link HookPayloads#commits}).
   */
  Future<Void> applyAll(List<ReceiveCommand> commands, Map<ReceiveCommand, JsonObject> commits) {
    Future<Void> chain = Future.succeededFuture();
    for (ReceiveCommand cmd : commands) {
      chain = chain.compose(v -> apply(cmd, events(cmd, commits.getOrDefault(cmd, new JsonObject()))).transform(ar -> {
        if (ar.succeeded()) {
          cmd.setResult(ReceiveCommand.Result.OK);
        } else {
          BranchworkException e = Failures.normalize(ar.cause());
          cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, e.getMessage());
        }
        return Future.succeededFuture();
      }));
    }
    return chain;
  }

  /** The webhook events of a command that moves a ref in the store (not through a workspace). */
  private List<HookEvent> events(ReceiveCommand cmd, JsonObject commits) {
    String ref = cmd.getRefName();
    boolean tag = ref.startsWith(Constants.R_TAGS);
    String name = ref.substring(tag ? Constants.R_TAGS.length() : Constants.R_HEADS.length());
    boolean created = cmd.getType() == ReceiveCommand.Type.CREATE;
    boolean deleted = cmd.getType() == ReceiveCommand.Type.DELETE;
    String oldId = created ? null : cmd.getOldId().name();
    String newId = deleted ? null : cmd.getNewId().name();
    List<HookEvent> events = new ArrayList<>(List.of(HookPayloads.push(project, user, ref,
        created ? null : cmd.getOldId(), deleted ? null : cmd.getNewId(), commits)));
    if (created || deleted) {
      String action = created ? "created" : "deleted";
      events.add(tag ? HookPayloads.tag(project, user, action, name, created ? newId : oldId)
          : HookPayloads.branch(project, user, action, name, newId, null));
    }
    return events;
  }

  private Future<Void> apply(ReceiveCommand cmd, List<HookEvent> events) {
    String ref = cmd.getRefName();
    String oldId = cmd.getType() == ReceiveCommand.Type.CREATE ? null : cmd.getOldId().name();
    String newId = cmd.getType() == ReceiveCommand.Type.DELETE ? null : cmd.getNewId().name();
    if (ref.startsWith(Constants.R_TAGS) || cmd.getType() == ReceiveCommand.Type.CREATE) {
      return cas(ref, oldId, newId, events);
    }
    WorkspaceKey key = new WorkspaceKey(project, ref.substring(Constants.R_HEADS.length()));
    return open(key).compose(open -> {
      if (cmd.getType() == ReceiveCommand.Type.DELETE) {
        return open ? Future.failedFuture(BranchworkException.conflict("branch " + key.branch()
                + " is open in Branchwork; it can be deleted once nobody has it open"))
            : deleteClosed(key, oldId, events);
      }
      return open ? throughWorkspace(key, oldId, newId, LOADING_RETRIES, events)
          : updateClosed(key, oldId, newId, events);
    });
  }

  /** Whether a workspace of {@code key} is open (or opening, or closing) on any node. */
  private Future<Boolean> open(WorkspaceKey key) {
    return allocator.lookup(key).transform(ar -> ar.succeeded() ? Future.succeededFuture(true)
        : Failures.normalize(ar.cause()).code() == ErrorCode.NOT_FOUND ? Future.succeededFuture(false)
        : Future.failedFuture(ar.cause()));
  }

  /**
   * The open branch's workspace checks the push out (if its tree is clean). While it is still
   * loading nothing answers at its address yet: asked again shortly. Once it is gone (closed
   * meanwhile), the branch moves in the store like any closed one, with {@code events}; through
   * the workspace, the workspace stores its own {@code push} event with the move.
   */
  private Future<Void> throughWorkspace(WorkspaceKey key, String oldId, String newId, int retries,
      List<HookEvent> events) {
    return workspaces.receive(key, user, oldId, newId)
        .<Void>mapEmpty()
        .recover(e -> {
          if (Failures.normalize(e).code() != ErrorCode.NO_WORKSPACE || retries == 0) {
            return Future.failedFuture(e);
          }
          return open(key).compose(open -> {
            if (!open) {
              return updateClosed(key, oldId, newId, events);
            }
            Promise<Void> later = Promise.promise();
            vertx.setTimer(LOADING_RETRY_MS, t -> throughWorkspace(key, oldId, newId, retries - 1, events)
                .onComplete(later));
            return later.future();
          });
        });
  }

  /**
   * A branch nobody has open moves in the store, unless it holds uncommitted work (its
   * work-in-progress ref), which the push would leave behind on the old head.
   */
  private Future<Void> updateClosed(WorkspaceKey key, String oldId, String newId, List<HookEvent> events) {
    return store.repoState(project).compose(state -> {
      Uncommitted.requireNone(key.branch(), state.refs().get(Refs.wip(key.branch())));
      return cas(Refs.head(key.branch()), oldId, newId, events);
    });
  }

  private Future<Void> deleteClosed(WorkspaceKey key, String oldId, List<HookEvent> events) {
    return store.repoState(project).compose(state -> oldId.equals(state.refs().get(Refs.head(key.branch())))
        ? store.deleteBranch(project, key.branch(), events)
        : Future.failedFuture(stale(Refs.head(key.branch()))));
  }

  private Future<Void> cas(String ref, String oldId, String newId, List<HookEvent> events) {
    return store.updateRepo(project, null, null, List.of(new RefUpdate(ref, oldId, newId)), events)
        .recover(e -> Future.failedFuture(Failures.normalize(e).code() == ErrorCode.CONFLICT
            ? (oldId == null ? BranchworkException.conflict(ref + " exists already") : stale(ref)) : e));
  }

  private static BranchworkException stale(String ref) {
    return BranchworkException.conflict(ref + " moved since you fetched; fetch first");
  }
}
