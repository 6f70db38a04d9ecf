package io.branchwork.client;

import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A typed client of this node's allocator ({@link Addresses#ALLOCATOR_LOCAL}): what the gateway,
 * the bridge, the workspaces and the HTTP routes ask it, each with a timeout, failures as the
 * contract's exceptions.
 */
public final class AllocatorClient {

  private final Vertx vertx;
  private final long timeoutMs;

  /** A client whose requests time out after {@code timeoutMs}. */
  public AllocatorClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** Counts {@code holder} on {@code key}, loading it if needed (within {@code loadTimeoutMs}); answers its address. */
  public Future<String> register(WorkspaceKey key, String holder, long loadTimeoutMs) {
    return Bus.request(vertx, Addresses.ALLOCATOR_LOCAL, AllocatorRequests.register(key, holder), loadTimeoutMs)
        .map(reply -> reply.getString(AllocatorOps.FIELD_ADDRESS));
  }

  public Future<Void> deregister(WorkspaceKey key, String holder) {
    return send(AllocatorRequests.deregister(key, holder)).mapEmpty();
  }

  /** The workspace's description; {@code not_found} when it is not open anywhere. */
  public Future<JsonObject> lookup(WorkspaceKey key) {
    return send(AllocatorRequests.lookup(key));
  }

  /** This node's table: {@code {"count","holders","workspaces","node"}}. */
  public Future<JsonObject> stats() {
    return send(AllocatorRequests.stats());
  }

  /** Tells the allocator that the workspace of {@code from} was renamed and is to be closed quietly. */
  public Future<Void> renamed(WorkspaceKey from) {
    return send(AllocatorRequests.rename(from)).mapEmpty();
  }

  private Future<JsonObject> send(JsonObject request) {
    return Bus.request(vertx, Addresses.ALLOCATOR_LOCAL, request, timeoutMs);
  }
}
