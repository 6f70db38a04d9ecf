package io.branchwork.cluster;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which node owns which workspace key. Every node's allocator asks it before deploying: a
 * workspace is deployed only by the node whose claim is recorded here, so the event bus never
 * sees two consumers of one workspace address. A standalone node owns everything
 * ({@link StandaloneOwnership}); a cluster records claims in a Hazelcast map
 * ({@link HazelcastOwnership}).
 */
public interface Ownership {

  /** This node's id (the cluster manager's node id; a fixed name when standalone). */
  String self();

  /** This node's {@code node.tag}, which its session rows carry. */
  String selfTag();

  /** The outcome of a claim: the owner, and whether it took the key over from a node that is gone. */
  record Claim(String owner, boolean tookOver) {}

  /**
   * Claims {@code key} unless a live node already owns it; a claim left by a node that is gone
   * is taken over. The owner is {@link #self()} when this node now owns the key.
   */
  Future<Claim> claim(WorkspaceKey key);

  /**
   * Completes when no other node has a consumer on {@code key}'s workspace address, so a
   * deployment here will be its only consumer. Registrations left by a dead node (the cluster
   * manager removes them some time after the member) are waited out: until they are gone the
   * event bus still routes requests to the dead node, where they vanish. A live node that keeps
   * its consumer past {@code timeoutMs} fails this with {@code conflict}.
   */
  Future<Void> awaitUnserved(WorkspaceKey key, long timeoutMs);

  /** The recorded owner, if any (live or not). */
  Future<Optional<String>> owner(WorkspaceKey key);

  /** Drops this node's claim on {@code key}; a claim of another node is left alone. */
  Future<Void> release(WorkspaceKey key);

  /** Whether {@code node} is a current member. */
  boolean isLive(String node);

  /** The ids of the current members. */
  Set<String> liveNodes();

  /** The node tags of the current members. */
  Set<String> liveTags();

  /** Whether this node does the cluster-wide clean-ups (the oldest member does). */
  boolean isLeader();

  /** Removes claims of nodes that are gone; answers the keys they owned. */
  Future<List<WorkspaceKey>> dropDeadClaims();

  /**
   * Runs {@code action} on the caller's context whenever a member joins or leaves; answers
   * what stops it.
   */
  Runnable onMembershipChange(Runnable action);

  /** Whether claims are shared with other nodes. */
  boolean clustered();
}
