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

  /**
   * Something that happened to a project's repository, for its webhooks: written to the store in
   * the transaction of the change itself (the outbox), one delivery per hook that subscribes to
   * {@code type}. {@code id} is unique; {@code body} the JSON every delivery posts.
   */
  public record HookEvent(String id, String type, String body) {}

  /** A project's webhook, as its owner sees it (never the secret). */
  public record Hook(String id, String project, String url, List<String> events, String createdBy, long createdAt) {}

  /** A delivery claimed for sending: the hook's target and secret with it. */
  public record DueDelivery(String id, String hookId, String project, String event, String body, String url,
      String secret, int attempts, long createdAt, long deadline) {}

  /** One try of a delivery: HTTP status (0: no answer), the failure, and the answer's start. */
  public record HookAttempt(int n, long at, long durationMs, int status, String error, String answer) {}

  /** A delivery as {@code GET .../deliveries} shows it, with its attempts. */
  public record Delivery(String id, String event, String status, int attempts, long createdAt, long nextAt,
      List<HookAttempt> tries) {}
}
