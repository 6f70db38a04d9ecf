package io.branchwork.allocator;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.WorkspaceSession;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the allocator's table through to the store's session rows, so that a crash leaves a
 * record of what this node held. The session row carries the owner's tag; each holder row the
 * tag of the node whose connection holds it, so that a dead node's rows can be wiped by tag. Writes for one key are chained so they land in the order they
 * happened; a failed write is logged and does not fail the client's op, since the in-memory
 * table stays the truth for a live node.
 */
final class SessionBook {

  private static final Logger LOG = LoggerFactory.getLogger(SessionBook.class);

  private final Store store;
  private final String serverTag;
  private final Map<WorkspaceKey, Future<Void>> tails = new HashMap<>();

  SessionBook(Store store, String serverTag) {
    this.store = store;
    this.serverTag = serverTag;
  }

  void held(WorkspaceKey key, String holder, String holderTag, int refCount) {
    // Session row first: once it names this node, wiping a dead former owner's rows no longer
    // touches this key's holder rows.
    chain(key, () -> store.putWorkspaceSession(session(key, refCount, 0))
        .compose(v -> store.addHolder(key.project(), key.branch(), holder, holderTag)));
  }

  void released(WorkspaceKey key, String holder, int refCount, long timeZeroed) {
    chain(key, () -> store.removeHolder(key.project(), key.branch(), holder)
        .compose(v -> store.putWorkspaceSession(session(key, refCount, timeZeroed))));
  }

  void closed(WorkspaceKey key) {
    chain(key, () -> store.deleteWorkspaceSession(key.project(), key.branch()));
  }

  /** Completes when every write queued so far has landed. */
  Future<Void> flush() {
    return Future.join(tails.values().stream().toList()).mapEmpty();
  }

  private WorkspaceSession session(WorkspaceKey key, int refCount, long timeZeroed) {
    return new WorkspaceSession(key.project(), key.branch(), serverTag, refCount, timeZeroed);
  }

  private void chain(WorkspaceKey key, Supplier<Future<Void>> write) {
    Future<Void> prev = tails.getOrDefault(key, Future.succeededFuture());
    Future<Void> next = prev.transform(ar -> write.get()).recover(e -> {
      LOG.warn("session bookkeeping for {} failed: {}", key, e.toString());
      return Future.succeededFuture();
    });
    tails.put(key, next);
    next.onComplete(ar -> tails.remove(key, next));
  }
}
