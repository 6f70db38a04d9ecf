package io.branchwork.allocator;

import io.branchwork.contract.Events;
import io.branchwork.core.WorkspaceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The GC: closes this node's workspaces that nobody has held for {@code gc.graceMs} (saving first). */
final class IdleCollector {

  private static final Logger LOG = LoggerFactory.getLogger(IdleCollector.class);

  private final LocalWorkspaces local;
  private final long graceMs;
  private final Runnable afterEviction;
  private long runs;

  IdleCollector(LocalWorkspaces local, long graceMs, Runnable afterEviction) {
    this.local = local;
    this.graceMs = graceMs;
    this.afterEviction = afterEviction;
  }

  void collect(long now) {
    runs++;
    for (WorkspaceKey key : local.idle(now, graceMs)) {
      LOG.info("evicting workspace {}: no holder for {} ms", key, local.idleFor(key, now));
      local.close(key, Events.REASON_IDLE, Close.NOTIFY).onComplete(ar -> afterEviction.run());
    }
  }

  /** How many times the GC has run on this node ({@code gcRuns} in {@code stats}: tests await ticks, not time). */
  long runs() {
    return runs;
  }
}
