package io.branchwork.client;

import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A typed client of workspaces at {@code workspace.<project>.<branch>}: what the gateways, the
 * git door and the allocator send them, each request built here (the acting user and holder
 * stamped by the server, never taken from a client), each with a timeout, failures as the
 * contract's exceptions. Next to {@link AllocatorClient}.
 */
public final class WorkspaceClient {

  private final Vertx vertx;
  private final long timeoutMs;

  /** A client whose requests time out after {@code timeoutMs}. */
  public WorkspaceClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Stamps a client's request with who it is done for: the server sets {@code user} and
   * {@code holder}, whatever the client wrote there. Answers {@code request}.
   */
  public static JsonObject stamp(JsonObject request, String user, String holder) {
    return request.put(WorkspaceOps.FIELD_USER, user).put(WorkspaceOps.FIELD_HOLDER, holder);
  }

  /** Sends a client's op (its request with {@code op} and arguments) as {@code user} from {@code holder}. */
  public Future<JsonObject> op(WorkspaceKey key, JsonObject request, String user, String holder) {
    return Bus.request(vertx, key.address(), stamp(request, user, holder), timeoutMs);
  }

  /** A gateway session joins (feeds {@code who}, pushes {@code joined}); with {@code since}, the answer carries what it missed. */
  public Future<JsonObject> join(WorkspaceKey key, String user, String holder, Long since) {
    JsonObject join = request(WorkspaceOps.SESSION_JOIN, user, holder);
    return Bus.request(vertx, key.address(), since == null ? join : join.put(Events.FIELD_SINCE, since), timeoutMs);
  }

  /** That session leaves (pushes {@code left}). */
  public Future<JsonObject> leave(WorkspaceKey key, String user, String holder) {
    return Bus.request(vertx, key.address(), request(WorkspaceOps.SESSION_LEAVE, user, holder), timeoutMs);
  }

  /** A git push moves the open branch from {@code oldId} to {@code newId} (the objects are in the store). */
  public Future<JsonObject> receive(WorkspaceKey key, String user, String oldId, String newId) {
    return Bus.request(vertx, key.address(), request(WorkspaceOps.RECEIVE, user, null)
        .put(WorkspaceOps.FIELD_OLD, oldId).put(WorkspaceOps.FIELD_NEW, newId), timeoutMs);
  }

  /** Tells the workspace that {@code holder} is gone, so its lock goes too; a send, no answer is awaited. */
  public static void holderReleased(Vertx vertx, WorkspaceKey key, String holder) {
    vertx.eventBus().send(key.address(), request(WorkspaceOps.HOLDER_RELEASED, WorkspaceOps.SYSTEM_USER, holder));
  }

  private static JsonObject request(String op, String user, String holder) {
    JsonObject r = new JsonObject().put(WorkspaceOps.FIELD_OP, op).put(WorkspaceOps.FIELD_USER, user);
    return holder == null ? r : r.put(WorkspaceOps.FIELD_HOLDER, holder);
  }
}
