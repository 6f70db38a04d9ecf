package io.branchwork.contract;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The ops the allocator answers at {@link Addresses#ALLOCATOR} (and this node's
 * {@link Addresses#ALLOCATOR_LOCAL}), their fields, and a factory for each request, so that no
 * request is built by hand anywhere else. {@link AllocatorClient} sends them.
 */
public final class AllocatorOps {

  public static final String REGISTER = "register";
  public static final String DEREGISTER = "deregister";
  public static final String LOOKUP = "lookup";
  public static final String KILL = "kill";
  public static final String STATS = "stats";
  /** Internal: a workspace renamed its branch (saved and announced under the new name); close it quietly. */
  public static final String RENAME = "rename";
  /** Internal: a node that shuts down hands a workspace and its holders to another. Not for clients. */
  public static final String ADOPT = "adopt";

  public static final String FIELD_OP = "op";
  public static final String FIELD_PROJECT = "project";
  public static final String FIELD_BRANCH = "branch";
  /** The name a reference is counted under: one per session, socket tab or service. */
  public static final String FIELD_HOLDER = "holder";
  /** Of {@code adopt}: the references handed over, each {@code {"holder","via","viaTag"}}. */
  public static final String FIELD_HOLDERS = "holders";
  /** Of a {@code register} answer: the workspace's address. */
  public static final String FIELD_ADDRESS = "address";
  /** Request field: the node id of the connection the reference is held through (set by nodes, not clients). */
  public static final String FIELD_VIA = "via";
  /** Request field: the node tag of that connection, which the holder's session row carries. */
  public static final String FIELD_VIA_TAG = "viaTag";

  private AllocatorOps() {}

  /** {@code {"op", "project", "branch"}}: the part every keyed request shares. */
  public static JsonObject request(String op, WorkspaceKey key) {
    return new JsonObject().put(FIELD_OP, op).put(FIELD_PROJECT, key.project()).put(FIELD_BRANCH, key.branch());
  }

  /** Counts {@code holder} as one reference on {@code key}, loading the workspace on the first. */
  public static JsonObject register(WorkspaceKey key, String holder) {
    return request(REGISTER, key).put(FIELD_HOLDER, holder);
  }

  /** Drops {@code holder}'s reference on {@code key}. */
  public static JsonObject deregister(WorkspaceKey key, String holder) {
    return request(DEREGISTER, key).put(FIELD_HOLDER, holder);
  }

  public static JsonObject lookup(WorkspaceKey key) {
    return request(LOOKUP, key);
  }

  public static JsonObject kill(WorkspaceKey key) {
    return request(KILL, key);
  }

  public static JsonObject stats() {
    return new JsonObject().put(FIELD_OP, STATS);
  }

  /** The workspace of {@code from} saved itself under its new name and told its sessions: close it quietly. */
  public static JsonObject rename(WorkspaceKey from) {
    return request(RENAME, from);
  }

  /** Hands {@code key} and its references to the node this is sent to. */
  public static JsonObject adopt(WorkspaceKey key, JsonArray holders) {
    return request(ADOPT, key).put(FIELD_HOLDERS, holders);
  }
}
