package io.branchwork.core;

/** Every event-bus address Branchwork uses; no address literal lives anywhere else. */
public final class Addresses {

  /** The allocator: register, deregister, lookup, kill, stats. */
  public static final String ALLOCATOR = "allocator";

  /** Prefix of a workspace's request address: {@code workspace.<project>.<branch>}. */
  public static final String WORKSPACE_PREFIX = "workspace.";

  /** Prefix of a workspace's event address: {@code events.workspace.<project>.<branch>}. */
  public static final String EVENTS_PREFIX = "events." + WORKSPACE_PREFIX;

  /** Published with a token hash when a session token is revoked, so open connections drop it. */
  public static final String TOKEN_REVOKED = "branchwork.token.revoked";

  /** Published with {@code project} and {@code username} when a member's role changes. */
  public static final String MEMBER_CHANGED = "branchwork.member.changed";

  private Addresses() {}
}
