package io.branchwork.allocator;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The single-node table: a map owned by the allocator's event loop, so it needs no locking. */
public final class LocalWorkspaceTable implements WorkspaceTable {

  private static final class Row {
    final String node;
    final Set<String> holders = new LinkedHashSet<>();
    long timeZeroed;

    Row(String node) {
      this.node = node;
    }
  }

  private final Map<WorkspaceKey, Row> rows = new HashMap<>();

  @Override
  public Future<Entry> addHolder(WorkspaceKey key, String holder, String node) {
    Row row = rows.computeIfAbsent(key, k -> new Row(node));
    row.holders.add(holder);
    row.timeZeroed = 0;
    return Future.succeededFuture(entry(key, row));
  }

  @Override
  public Future<Optional<Entry>> removeHolder(WorkspaceKey key, String holder, long now) {
    Row row = rows.get(key);
    if (row == null) {
      return Future.succeededFuture(Optional.empty());
    }
    if (row.holders.remove(holder) && row.holders.isEmpty()) {
      row.timeZeroed = now;
    }
    return Future.succeededFuture(Optional.of(entry(key, row)));
  }

  @Override
  public Future<Optional<Entry>> get(WorkspaceKey key) {
    Row row = rows.get(key);
    return Future.succeededFuture(row == null ? Optional.empty() : Optional.of(entry(key, row)));
  }

  @Override
  public Future<List<Entry>> entries() {
    List<Entry> out = new ArrayList<>(rows.size());
    rows.forEach((k, r) -> out.add(entry(k, r)));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Void> remove(WorkspaceKey key) {
    rows.remove(key);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> rename(WorkspaceKey from, WorkspaceKey to) {
    Row row = rows.remove(from);
    if (row != null) {
      rows.put(to, row);
    }
    return Future.succeededFuture();
  }

  private static Entry entry(WorkspaceKey key, Row row) {
    return new Entry(key, row.node, Set.copyOf(row.holders), row.timeZeroed);
  }
}
