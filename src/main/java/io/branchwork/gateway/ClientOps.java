package io.branchwork.gateway;

import io.branchwork.store.Role;
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

  private static final Map<String, Role> WORKSPACE_OPS = Map.ofEntries(
      Map.entry("list", Role.READER),
      Map.entry("read", Role.READER),
      Map.entry("status", Role.READER),
      Map.entry("diff", Role.READER),
      Map.entry("log", Role.READER),
      Map.entry("branches", Role.READER),
      Map.entry("compile", Role.READER),
      Map.entry("who", Role.READER),
      Map.entry("write", Role.WRITER),
      Map.entry("delete", Role.WRITER),
      Map.entry("move", Role.WRITER),
      Map.entry("commit", Role.WRITER),
      Map.entry("branch.create", Role.WRITER),
      Map.entry("lock", Role.WRITER),
      Map.entry("unlock", Role.WRITER),
      Map.entry("save", Role.WRITER),
      Map.entry("branch.rename", Role.OWNER),
      Map.entry("branch.delete", Role.OWNER));

  private ClientOps() {}

  /** The role a workspace op needs, or {@code null} when it is not a workspace op. */
  public static Role workspaceRole(String op) {
    return WORKSPACE_OPS.get(op);
  }
}
