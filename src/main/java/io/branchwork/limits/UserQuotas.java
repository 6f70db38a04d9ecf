package io.branchwork.limits;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-user caps of one node, shared by its front doors (every {@code /ws} connection and SockJS
 * socket, on every event loop): connections ({@code limits.maxConnectionsPerUser}) and distinct
 * workspaces held open ({@code limits.maxWorkspacesPerUser}). Past either the answer is
 * {@code overloaded}. Holding the same workspace twice (two tabs) counts once. Thread-safe.
 */
public final class UserQuotas {

  private final int maxConnections;
  private final int maxWorkspaces;
  private final Map<String, Integer> connections = new HashMap<>();
  /** Per user: how many holds each workspace has. */
  private final Map<String, Map<WorkspaceKey, Integer>> holds = new HashMap<>();

  public UserQuotas(int maxConnections, int maxWorkspaces) {
    this.maxConnections = maxConnections;
    this.maxWorkspaces = maxWorkspaces;
  }

  /** Takes a connection slot of {@code user}, or throws {@code overloaded}. */
  public synchronized void connect(String user) {
    int n = connections.getOrDefault(user, 0);
    if (n >= maxConnections) {
      throw BranchworkException.overloaded(user + " already has " + maxConnections
          + " connections to this node (limits.maxConnectionsPerUser)");
    }
    connections.put(user, n + 1);
  }

  public synchronized void disconnect(String user) {
    connections.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
  }

  /** Counts one hold of {@code key} by {@code user}, or throws {@code overloaded} past the workspace cap. */
  public synchronized void hold(String user, WorkspaceKey key) {
    Map<WorkspaceKey, Integer> mine = holds.computeIfAbsent(user, u -> new HashMap<>());
    if (!mine.containsKey(key) && mine.size() >= maxWorkspaces) {
      if (mine.isEmpty()) {
        holds.remove(user);
      }
      throw BranchworkException.overloaded(user + " already holds " + maxWorkspaces
          + " workspaces open on this node (limits.maxWorkspacesPerUser)");
    }
    mine.merge(key, 1, Integer::sum);
  }

  public synchronized void release(String user, WorkspaceKey key) {
    Map<WorkspaceKey, Integer> mine = holds.get(user);
    if (mine == null) {
      return;
    }
    mine.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    if (mine.isEmpty()) {
      holds.remove(user);
    }
  }

  /** How many connection slots {@code user} holds now. */
  public synchronized int connections(String user) {
    return connections.getOrDefault(user, 0);
  }

  /** How many distinct workspaces {@code user} holds open now. */
  public synchronized int workspaces(String user) {
    Map<WorkspaceKey, Integer> mine = holds.get(user);
    return mine == null ? 0 : mine.size();
  }
}
