package io.branchwork.store;

import io.branchwork.contract.Role;
import java.util.List;
import java.util.Map;

/** The rows the store hands out. */
public final class Records {

  private Records() {}

  public record User(String username, String passwordHash) {}

  /** A live token's row: {@code scope} is null for a session, {@code read} or {@code write} for an access token. */
  public record Token(String username, long expiresAt, String scope) {}

  /** A personal access token as its owner sees it in a list (never the token itself). */
  public record AccessToken(String id, String name, String scope, long expiresAt, long createdAt) {}

  public record ProjectRole(String id, String name, Role role) {}

  public record BranchHead(String name, String head) {}

  /** A complete snapshot version of one branch. */
  public record SnapshotMeta(String project, String branch, long version, String head, long bytes,
      long createdAt) {}

  /** One row of the workspace-session table: an open workspace on some node. */
  public record WorkspaceSession(String project, String branch, String serverTag, int refCount,
      long timeZeroed) {}

  /** One pack of a project's object database: its name (the pack's checksum), size and object count. */
  public record PackInfo(String id, long bytes, int objects) {}

  /**
   * A compare-and-set of one ref: {@code expected} null means "must not exist", {@code next}
   * null means "delete it".
   */
  public record RefUpdate(String name, String expected, String next) {}

  /** A project's repository as one transaction saw it: its refs (name to object id) and packs. */
  public record RepoState(Map<String, String> refs, List<PackInfo> packs) {}

  /** An explicit checkpoint ({@code save}) of a branch: its version, head and work in progress. */
  public record Checkpoint(long version, String head, String wip, long createdAt) {}
}
