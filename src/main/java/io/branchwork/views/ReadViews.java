package io.branchwork.views;

import io.branchwork.core.WorkspaceKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read views of the workspaces this node owns, by key. A workspace on another node has none
 * here: its reads keep the hop over the event bus (a view there would need invalidation by
 * events, and could answer a read older than the reader's own acknowledged write).
 */
public final class ReadViews {

  private final Map<WorkspaceKey, ReadView> views = new ConcurrentHashMap<>();

  /** The open view of {@code key} on this node, or null. */
  public ReadView get(WorkspaceKey key) {
    ReadView v = views.get(key);
    return v != null && v.isOpen() ? v : null;
  }

  public void publish(WorkspaceKey key, ReadView view) {
    views.put(key, view);
  }

  /** The workspace is stopping: its view closes, and is forgotten unless a newer one replaced it. */
  public void withdraw(WorkspaceKey key, ReadView view) {
    view.close();
    views.remove(key, view);
  }
}
