package io.branchwork.client;

import io.branchwork.contract.AllocatorOps;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The requests of the allocator's ops ({@link AllocatorOps}), each built here and nowhere else. */
public final class AllocatorRequests {

  private AllocatorRequests() {}

  /** {@code {"op", "project", "branch"}}: the part every keyed request shares. */
  public static JsonObject request(String op, WorkspaceKey key) {
    return new JsonObject().put(AllocatorOps.FIELD_OP, op).put(AllocatorOps.FIELD_PROJECT, key.project())
        .put(AllocatorOps.FIELD_BRANCH, key.branch());
  }

  /** Counts {@code holder} as one reference on {@code key}, loading the workspace on the first. */
  public static JsonObject register(WorkspaceKey key, String holder) {
    return request(AllocatorOps.REGISTER, key).put(AllocatorOps.FIELD_HOLDER, holder);
  }

  /** Drops {@code holder}'s reference on {@code key}. */
  public static JsonObject deregister(WorkspaceKey key, String holder) {
    return request(AllocatorOps.DEREGISTER, key).put(AllocatorOps.FIELD_HOLDER, holder);
  }

  public static JsonObject lookup(WorkspaceKey key) {
    return request(AllocatorOps.LOOKUP, key);
  }

  public static JsonObject kill(WorkspaceKey key) {
    return request(AllocatorOps.KILL, key);
  }

  public static JsonObject stats() {
    return new JsonObject().put(AllocatorOps.FIELD_OP, AllocatorOps.STATS);
  }

  /** The workspace of {@code from} saved itself under its new name and told its sessions: close it quietly. */
  public static JsonObject rename(WorkspaceKey from) {
    return request(AllocatorOps.RENAME, from);
  }

  /** Hands {@code key} and its references to the node this is sent to. */
  public static JsonObject adopt(WorkspaceKey key, JsonArray holders) {
    return request(AllocatorOps.ADOPT, key).put(AllocatorOps.FIELD_HOLDERS, holders);
  }
}
