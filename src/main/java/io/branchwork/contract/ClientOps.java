package io.branchwork.contract;

import java.util.Map;

/**
 * The ops a client may send, and the role each needs on the open workspace's project. Ops
 * listed with a role are forwarded to the workspace; the rest are the gateway's own. Anything
 * not listed never reaches a workspace, so internal ops cannot be called from outside.
 */
public final class ClientOps {

  public static final String AUTH = "auth";
  public static final String OPEN = "open";
  public static final String CLOSE = "close";
  public static final String PING = "ping";

  /** Request fields of the client protocol. */
  public static final String FIELD_ID = "id";
  public static final String FIELD_OP = "op";
  public static final String FIELD_TOKEN = "token";
  public static final String FIELD_PROJECT = "project";
  public static final String FIELD_BRANCH = "branch";
  /** Of {@code open}: the last {@code seq} the client saw; the answer then carries what it missed. */
  public static final String FIELD_SINCE = Events.FIELD_SINCE;
  /** Of a mutating request: its idempotency key (a repeat with the same key gets the first answer). */
  public static final String FIELD_KEY = "key";

  private static final Map<String, Role> WORKSPACE_OPS = Map.ofEntries(
      Map.entry(WorkspaceOps.LIST, Role.READER),
      Map.entry(WorkspaceOps.READ, Role.READER),
      Map.entry(WorkspaceOps.STATUS, Role.READER),
      Map.entry(WorkspaceOps.DIFF, Role.READER),
      Map.entry(WorkspaceOps.LOG, Role.READER),
      Map.entry(WorkspaceOps.BRANCHES, Role.READER),
      Map.entry(WorkspaceOps.COMPILE, Role.READER),
      Map.entry(WorkspaceOps.WHO, Role.READER),
      Map.entry(WorkspaceOps.WRITE, Role.WRITER),
      Map.entry(WorkspaceOps.DELETE, Role.WRITER),
      Map.entry(WorkspaceOps.MOVE, Role.WRITER),
      Map.entry(WorkspaceOps.COMMIT, Role.WRITER),
      Map.entry(WorkspaceOps.BRANCH_CREATE, Role.WRITER),
      Map.entry(WorkspaceOps.LOCK, Role.WRITER),
      Map.entry(WorkspaceOps.UNLOCK, Role.WRITER),
      Map.entry(WorkspaceOps.SAVE, Role.WRITER),
      Map.entry(WorkspaceOps.BRANCH_RENAME, Role.OWNER),
      Map.entry(WorkspaceOps.BRANCH_DELETE, Role.OWNER));

  private ClientOps() {}

  /** The role a workspace op needs, or {@code null} when it is not a workspace op. */
  public static Role workspaceRole(String op) {
    return WORKSPACE_OPS.get(op);
  }
}
