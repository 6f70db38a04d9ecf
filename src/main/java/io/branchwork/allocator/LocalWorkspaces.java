package io.branchwork.allocator;

import io.branchwork.client.WorkspaceClient;
import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Events;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Store;
import io.branchwork.workspace.WorkspaceEvents;
import io.branchwork.workspace.WorkspaceVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner's half of the allocator: the workspaces deployed on this node, who holds each of
 * them and since when nobody does. Callers have already made sure this node owns a key before
 * they register on it. Everything here runs on the allocator's event loop, so it needs no
 * locking.
 */
final class LocalWorkspaces {

  private static final Logger LOG = LoggerFactory.getLogger(LocalWorkspaces.class);

  enum State { LOADING, LIVE, CLOSING }

  /** This node's deployment of one workspace and its references. */
  private static final class Activation {
    State state = State.LOADING;
    final Promise<String> ready = Promise.promise();
    final Promise<Void> closed = Promise.promise();
    final Map<String, Via> holders = new LinkedHashMap<>();
    /** Whether the workspace keeps its unsaved changes when it stops (asked by it at stop). */
    volatile boolean saveOnStop = true;
    String deploymentId;
    long timeZeroed;
    final long since = System.currentTimeMillis();
  }

  private final Vertx vertx;
  private final Ownership ownership;
  private final BranchworkMetrics metrics;
  private final WorkspaceFactory workspaces;
  /** How long a dead owner's subscriptions may linger (the cluster's failure timeout). */
  private final long failureTimeoutMs;
  private final SessionBook book;
  private final Map<WorkspaceKey, Activation> activations = new HashMap<>();

  LocalWorkspaces(Vertx vertx, Store store, Ownership ownership, BranchworkMetrics metrics, WorkspaceFactory workspaces,
      long failureTimeoutMs) {
    this.vertx = vertx;
    this.ownership = ownership;
    this.metrics = metrics;
    this.workspaces = workspaces;
    this.failureTimeoutMs = failureTimeoutMs;
    this.book = new SessionBook(store, ownership.selfTag());
  }

  boolean has(WorkspaceKey key) {
    return activations.containsKey(key);
  }

  /** Completes when a closing workspace is gone; null when {@code key} is not closing. */
  Future<Void> closing(WorkspaceKey key) {
    Activation a = activations.get(key);
    return a != null && a.state == State.CLOSING ? a.closed.future() : null;
  }

  Set<WorkspaceKey> keys() {
    return Set.copyOf(activations.keySet());
  }

  /** Counts {@code holder} once on {@code key}, deploying the workspace on the first reference. */
  Future<JsonObject> register(WorkspaceKey key, String holder, Via via) {
    Activation a = activations.get(key);
    if (a == null) {
      a = activate(key);
    }
    Activation activation = a;
    activation.holders.put(holder, via);
    activation.timeZeroed = 0;
    book.held(key, holder, via.tag(), activation.holders.size());
    return activation.ready.future()
        .map(address -> new JsonObject().put("address", address))
        .onFailure(err -> activation.holders.remove(holder));
  }

  private Activation activate(WorkspaceKey key) {
    Activation a = new Activation();
    activations.put(key, a);
    long t0 = System.nanoTime();
    WorkspaceVerticle verticle = workspaces.create(key, () -> a.saveOnStop);
    ownership.awaitUnserved(key, failureTimeoutMs)
        .compose(v -> vertx.deployVerticle(verticle))
        .onSuccess(id -> {
          a.deploymentId = id;
          a.state = State.LIVE;
          metrics.deployed();
          LOG.info("deployed workspace {} in {} ms", key, (System.nanoTime() - t0) / 1_000_000);
          a.ready.complete(key.address());
        })
        .onFailure(err -> {
          metrics.loadFailed();
          activations.remove(key, a);
          book.closed(key);
          ownership.release(key);
          a.closed.complete();
          BranchworkException be = Failures.normalize(err);
          LOG.warn("workspace {} failed to load: {}", key, be.toString());
          a.ready.fail(be);
        });
    return a;
  }

  /** Drops {@code holder}'s reference; at zero holders notes the time. False when the key is not here. */
  boolean deregister(WorkspaceKey key, String holder) {
    Activation a = activations.get(key);
    if (a == null) {
      return false;
    }
    if (a.holders.remove(holder) != null) {
      released(key, a, holder);
    }
    return true;
  }

  private void released(WorkspaceKey key, Activation a, String holder) {
    if (a.holders.isEmpty()) {
      a.timeZeroed = System.currentTimeMillis();
    }
    book.released(key, holder, a.holders.size(), a.timeZeroed);
    if (a.state == State.LIVE) {
      // A lock dies with its holder's reference (for holders that never joined as a session).
      WorkspaceClient.holderReleased(vertx, key, holder);
    }
  }

  /** Drops every reference held through a node that is no longer a member; answers how many. */
  int dropVia(Set<String> liveNodes) {
    int dropped = 0;
    for (Map.Entry<WorkspaceKey, Activation> e : activations.entrySet()) {
      Activation a = e.getValue();
      for (Map.Entry<String, Via> h : new ArrayList<>(a.holders.entrySet())) {
        String node = h.getValue().node();
        if (node != null && !liveNodes.contains(node)) {
          a.holders.remove(h.getKey());
          released(e.getKey(), a, h.getKey());
          dropped++;
        }
      }
    }
    return dropped;
  }

  /** The references of {@code key} that are held through other nodes (or no node), for a hand-over. */
  Map<String, Via> foreignHolders(WorkspaceKey key) {
    Activation a = activations.get(key);
    Map<String, Via> out = new LinkedHashMap<>();
    if (a != null) {
      a.holders.forEach((h, o) -> {
        if (!ownership.self().equals(o.node())) {
          out.put(h, o);
        }
      });
    }
    return out;
  }

  JsonObject describe(WorkspaceKey key) {
    Activation a = activations.get(key);
    if (a == null) {
      return null;
    }
    return new JsonObject()
        .put("project", key.project())
        .put("branch", key.branch())
        .put("address", key.address())
        .put("node", ownership.selfTag())
        .put("holders", a.holders.size())
        .put("timeZeroed", a.timeZeroed)
        .put("state", a.state.name().toLowerCase(Locale.ROOT))
        .put("deploymentId", a.deploymentId);
  }

  JsonObject stats() {
    JsonArray list = new JsonArray();
    int holders = 0;
    for (WorkspaceKey key : activations.keySet()) {
      list.add(describe(key));
      holders += activations.get(key).holders.size();
    }
    return new JsonObject().put("count", list.size()).put("holders", holders).put("workspaces", list)
        .put("node", ownership.selfTag());
  }

  int liveCount() {
    return (int) activations.values().stream().filter(a -> a.state == State.LIVE).count();
  }

  int holderCount() {
    return activations.values().stream().filter(a -> a.state == State.LIVE).mapToInt(a -> a.holders.size()).sum();
  }

  /** Live workspaces that nobody has held for {@code graceMs}. */
  List<WorkspaceKey> idle(long now, long graceMs) {
    List<WorkspaceKey> out = new ArrayList<>();
    activations.forEach((k, a) -> {
      if (a.state == State.LIVE && a.holders.isEmpty() && a.timeZeroed > 0 && now - a.timeZeroed >= graceMs) {
        out.add(k);
      }
    });
    return out;
  }

  /** Live workspaces, for the claim audit. */
  List<WorkspaceKey> live() {
    List<WorkspaceKey> out = new ArrayList<>();
    activations.forEach((k, a) -> {
      if (a.state == State.LIVE) {
        out.add(k);
      }
    });
    return out;
  }

  long idleFor(WorkspaceKey key, long now) {
    Activation a = activations.get(key);
    return a == null || a.timeZeroed == 0 ? 0 : now - a.timeZeroed;
  }


  /**
   * Undeploys a workspace (saving first, unless discarded), then forgets it and lets its claim
   * go, in that order, so that the next owner loads what this one saved.
   */
  Future<Void> close(WorkspaceKey key, String reason, Close how) {
    Activation a = activations.get(key);
    if (a == null) {
      return Future.succeededFuture();
    }
    if (a.state == State.CLOSING) {
      return a.closed.future();
    }
    if (a.state == State.LOADING) {
      // Let the load finish (or fail), then close what it produced.
      return a.ready.future().transform(ar -> close(key, reason, how));
    }
    a.state = State.CLOSING;
    long t0 = System.nanoTime();
    if (how == Close.DISCARD || how == Close.RETIRE) {
      a.saveOnStop = false;
    }
    if (how == Close.NOTIFY) {
      WorkspaceEvents.publishClosing(vertx.eventBus(), key, new JsonObject().put(Events.FIELD_REASON, reason));
    }
    // When the allocator itself is undeployed, Vert.x has already undeployed its children.
    Future<Void> undeployed = vertx.deploymentIDs().contains(a.deploymentId)
        ? vertx.undeploy(a.deploymentId) : Future.succeededFuture();
    return undeployed
        .onFailure(e -> LOG.error("workspace {} did not undeploy cleanly", key, e))
        .transform(ar -> {
          activations.remove(key, a);
          metrics.closed(reason);
          book.closed(key);
          LOG.info("closed workspace {} ({}) after {} ms open, in {} ms", key, reason,
              System.currentTimeMillis() - a.since, (System.nanoTime() - t0) / 1_000_000);
          return how == Close.DISCARD ? Future.<Void>succeededFuture() : ownership.release(key);
        })
        .recover(e -> {
          LOG.warn("could not release the claim on {}: {}", key, e.toString());
          return Future.succeededFuture();
        })
        .onComplete(ar -> a.closed.complete());
  }

  /** Completes when every session-row write queued so far has landed. */
  Future<Void> flush() {
    return book.flush();
  }
}
