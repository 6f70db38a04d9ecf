package io.branchwork.contract;

/**
 * The gateway's own ops and the fields of client requests. Workspace ops and the role each
 * needs are in {@link WorkspaceOp}: only those with a role are forwarded to a workspace, so
 * internal ops cannot be called from outside.
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

  private ClientOps() {}

  /** The role a workspace op needs, or {@code null} when it is not one a client may send (see {@link WorkspaceOp}). */
  public static Role workspaceRole(String op) {
    WorkspaceOp spec = WorkspaceOp.of(op);
    return spec == null ? null : spec.role();
  }
}
