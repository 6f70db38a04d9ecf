package io.branchwork.allocator;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The allocator's table: which workspaces exist, on which node, who holds them and since when
 * nobody does. This node's implementation is {@link LocalWorkspaceTable}; a cluster-wide one
 * replaces it when nodes must agree on one owner per key.
 */
public interface WorkspaceTable {

  /** One row. {@code timeZeroed} is when the last holder left (epoch ms), 0 while held. */
  record Entry(WorkspaceKey key, String node, Set<String> holders, long timeZeroed) {}

  /** Counts {@code holder} once on {@code key}, creating the row for {@code node} if needed. */
  Future<Entry> addHolder(WorkspaceKey key, String holder, String node);

  /** Drops {@code holder}; at zero holders notes {@code now}. Empty when the key has no row. */
  Future<Optional<Entry>> removeHolder(WorkspaceKey key, String holder, long now);

  Future<Optional<Entry>> get(WorkspaceKey key);

  Future<List<Entry>> entries();

  Future<Void> remove(WorkspaceKey key);

  /** Moves the row of {@code from} to {@code to}, holders and all. */
  Future<Void> rename(WorkspaceKey from, WorkspaceKey to);
}
