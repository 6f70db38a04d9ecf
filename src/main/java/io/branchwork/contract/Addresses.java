package io.branchwork.contract;

/** Every event-bus address Branchwork uses; no address literal lives anywhere else. */
public final class Addresses {

  /**
   * The allocator: register, deregister, lookup, kill, stats. In a cluster every node consumes
   * it and any of them serves any key (it finds the owner), so round-robin delivery is harmless.
   */
  public static final String ALLOCATOR = "allocator";

  /** This node's allocator only (a local consumer): what the node's own gateway and workspaces use. */
  public static final String ALLOCATOR_LOCAL = "branchwork.allocator.local";

  /** Prefix of one node's allocator, {@code branchwork.allocator.node.<nodeId>}: requests forwarded to a key's owner. */
  public static final String ALLOCATOR_NODE_PREFIX = "branchwork.allocator.node.";

  /** Prefix of a workspace's request address: {@code workspace.<project>.<branch>}. */
  public static final String WORKSPACE_PREFIX = "workspace.";

  /** Prefix of a workspace's event address: {@code events.workspace.<project>.<branch>}. */
  public static final String EVENTS_PREFIX = "events." + WORKSPACE_PREFIX;

  /** Published with a token hash when a session token is revoked, so open connections drop it. */
  public static final String TOKEN_REVOKED = "branchwork.token.revoked";

  /** Published with {@code project} and {@code username} when a member's role changes. */
  public static final String MEMBER_CHANGED = "branchwork.member.changed";

  /** The allocator address of node {@code nodeId}. */
  public static String allocatorOf(String nodeId) {
    return ALLOCATOR_NODE_PREFIX + nodeId;
  }

  private Addresses() {}
}
