package io.branchwork.allocator;

import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Events;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Store;
import io.branchwork.workspace.WorkspaceEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cluster member does when membership changes and on each GC tick: drops references held
 * through departed nodes, and on the oldest member removes their claims and session rows and
 * announces the workspaces that died with them ({@code closing}, {@code node lost}); every member
 * audits that it still owns what it serves.
 */
final class ClusterHousekeeping {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterHousekeeping.class);
  private static final long SWEEP_EVERY_MS = 5_000;

  private final Vertx vertx;
  private final Store store;
  private final Ownership ownership;
  private final LocalWorkspaces local;
  private long lastSweep;

  ClusterHousekeeping(Vertx vertx, Store store, Ownership ownership, LocalWorkspaces local) {
    this.vertx = vertx;
    this.store = store;
    this.ownership = ownership;
    this.local = local;
  }

  /** After a member left (or joined): drop references held through nodes that are gone, and sweep. */
  void reconcile() {
    int dropped = local.dropVia(ownership.liveNodes());
    if (dropped > 0) {
      LOG.info("dropped {} references held through departed nodes", dropped);
    }
    sweep();
  }

  /** On each GC tick: the claim audit, and a sweep now and then. */
  void tick(long now) {
    audit();
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      sweep();
    }
  }

  /**
   * Workspaces that died with their owner: every session on them, on any node, hears
   * {@code closing} once (whoever removed the dead claim publishes it), and its client reopens.
   */
  void lost(List<WorkspaceKey> keys) {
    for (WorkspaceKey key : keys) {
      WorkspaceEvents.publishClosing(vertx.eventBus(), key,
          new JsonObject().put(Events.FIELD_REASON, Events.REASON_NODE_LOST));
    }
  }

  /** The oldest member removes claims and session rows of nodes that are no longer members. */
  private void sweep() {
    if (!ownership.isLeader()) {
      return;
    }
    lastSweep = System.currentTimeMillis();
    ownership.dropDeadClaims()
        .onSuccess(keys -> {
          if (!keys.isEmpty()) {
            LOG.info("removed the claims of departed nodes on {}", keys);
            lost(keys);
          }
        })
        .compose(n -> store.sessionServerTags())
        .compose(tags -> {
          // Membership read after the rows: a node that wrote a row was a member before it did,
          // so a node that joined meanwhile is never taken for dead.
          Set<String> liveTags = ownership.liveTags();
          List<Future<Integer>> wiped = new ArrayList<>();
          for (String tag : tags) {
            if (!liveTags.contains(tag)) {
              wiped.add(store.wipeServer(tag).onSuccess(n ->
                  LOG.info("removed {} workspace sessions of departed node {}", n, tag)));
            }
          }
          return Future.join(wiped);
        })
        .onFailure(e -> LOG.warn("cluster sweep failed: {}", e.toString()));
  }

  /**
   * A node that finds its claim on a live workspace gone or taken (a split brain healed, a
   * claim map lost) stops serving it without saving: the other owner's snapshot wins.
   */
  private void audit() {
    for (WorkspaceKey key : local.live()) {
      ownership.owner(key).onSuccess(owner -> {
        if (local.has(key) && (owner.isEmpty() || !owner.get().equals(ownership.self()))) {
          LOG.error("lost the claim on workspace {} (now {}); closing it without saving", key,
              owner.orElse("nobody"));
          local.close(key, Events.REASON_CLAIM_LOST, Close.DISCARD);
        }
      });
    }
  }
}
