package io.branchwork.store;

import io.branchwork.contract.Role;

/** The rows the store hands out. */
public final class Records {

  private Records() {}

  public record User(String username, String passwordHash) {}

  public record Token(String username, long expiresAt) {}

  public record ProjectRole(String id, String name, Role role) {}

  public record BranchHead(String name, String head) {}

  /** A complete snapshot version of one branch. */
  public record SnapshotMeta(String project, String branch, long version, String head, long bytes,
      long createdAt) {}

  /** One row of the workspace-session table: an open workspace on some node. */
  public record WorkspaceSession(String project, String branch, String serverTag, int refCount,
      long timeZeroed) {}
}
