package io.branchwork.allocator;

/** The ops the allocator answers at {@link io.branchwork.core.Addresses#ALLOCATOR}. */
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

  /** Request field: the node id of the connection that holds the reference (set by nodes, not clients). */
  public static final String FIELD_ORIGIN = "origin";
  /** Request field: the node tag of that connection, which the holder's session row carries. */
  public static final String FIELD_ORIGIN_TAG = "originTag";

  private AllocatorOps() {}

  /** The request that drops {@code holder}'s reference on {@code key}. */
  public static io.vertx.core.json.JsonObject deregister(io.branchwork.core.WorkspaceKey key, String holder) {
    return new io.vertx.core.json.JsonObject().put("op", DEREGISTER).put("project", key.project())
        .put("branch", key.branch()).put("holder", holder);
  }
}
