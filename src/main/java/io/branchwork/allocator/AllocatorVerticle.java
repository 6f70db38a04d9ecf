package io.branchwork.allocator;

import io.branchwork.Services;
import io.branchwork.core.Addresses;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.workspace.WorkspaceEvents;
import io.branchwork.workspace.WorkspaceOps;
import io.branchwork.workspace.WorkspaceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator: the only one who deploys or undeploys workspaces. It counts references per
 * holder, deploys a workspace on the first register (later registers of the same key wait for
 * that one deployment), and a periodic GC undeploys workspaces that nobody has held for
 * {@code gc.graceMs}. Questions about open workspaces are answered from its own table.
 */
public final class AllocatorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AllocatorVerticle.class);
  private static final int MAX_HOLDER_LENGTH = 255;

  private enum State { LOADING, LIVE, CLOSING }

  /** This node's deployment of one workspace. */
  private static final class Activation {
    State state = State.LOADING;
    final Promise<String> ready = Promise.promise();
    final Promise<Void> closed = Promise.promise();
    String deploymentId;
    long since = System.currentTimeMillis();
  }

  private final Services services;
  private final WorkspaceTable table;
  private final Map<WorkspaceKey, Activation> activations = new HashMap<>();
  private SessionBook book;
  private MessageConsumer<JsonObject> consumer;
  private long gcTimer = -1;
  private volatile int liveGauge;
  private volatile int holderGauge;

  public AllocatorVerticle(Services services, WorkspaceTable table) {
    this.services = services;
    this.table = table;
  }

  @Override
  public Future<?> start() {
    book = new SessionBook(services.store(), services.config().nodeTag);
    services.metrics().allocatorGauges(() -> liveGauge, () -> holderGauge);
    consumer = vertx.eventBus().consumer(Addresses.ALLOCATOR, this::onMessage);
    gcTimer = vertx.setPeriodic(services.config().gcIntervalMs, id -> gc());
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(gcTimer);
    List<Future<Void>> closing = new ArrayList<>();
    for (WorkspaceKey key : new ArrayList<>(activations.keySet())) {
      closing.add(close(key, "shutdown"));
    }
    return consumer.unregister()
        .compose(v -> Future.join(closing))
        .compose(v -> book.flush());
  }

  private void onMessage(Message<JsonObject> msg) {
    Future<JsonObject> result;
    try {
      JsonObject body = msg.body();
      if (body == null) {
        throw BranchworkException.badRequest("a request must be a JSON object");
      }
      String op = Args.string(body, "op");
      switch (op) {
        case AllocatorOps.REGISTER -> result = register(key(body), holder(body));
        case AllocatorOps.DEREGISTER -> result = deregister(key(body), holder(body));
        case AllocatorOps.LOOKUP -> result = lookup(key(body));
        case AllocatorOps.KILL -> result = kill(key(body));
        case AllocatorOps.STATS -> result = stats();
        case AllocatorOps.RENAME -> result = rename(key(body), Args.string(body, "to"));
        default -> throw BranchworkException.badRequest("unknown allocator op '" + op + "'");
      }
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      refreshGauges();
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        Failures.reply(msg, ar.cause());
      }
    });
  }

  private static WorkspaceKey key(JsonObject body) {
    return new WorkspaceKey(Args.string(body, "project"), Args.string(body, "branch"));
  }

  private static String holder(JsonObject body) {
    String h = Args.string(body, "holder");
    if (h.isEmpty() || h.length() > MAX_HOLDER_LENGTH) {
      throw BranchworkException.badRequest("'holder' must have 1 to " + MAX_HOLDER_LENGTH + " characters");
    }
    return h;
  }

  // --- ops

  private Future<JsonObject> register(WorkspaceKey key, String holder) {
    Activation a = activations.get(key);
    if (a != null && a.state == State.CLOSING) {
      // A reopen racing an eviction waits for it, then deploys afresh.
      return a.closed.future().compose(v -> register(key, holder));
    }
    Activation activation = a != null ? a : activate(key);
    return table.addHolder(key, holder, services.config().nodeTag)
        .onSuccess(e -> book.held(key, holder, e.holders().size()))
        .compose(e -> activation.ready.future())
        .map(address -> new JsonObject().put("address", address))
        .recover(err -> table.removeHolder(key, holder, System.currentTimeMillis())
            .compose(e -> Future.failedFuture(err)));
  }

  private Activation activate(WorkspaceKey key) {
    Activation a = new Activation();
    activations.put(key, a);
    long t0 = System.nanoTime();
    vertx.deployVerticle(new WorkspaceVerticle(key, services), new DeploymentOptions())
        .onSuccess(id -> {
          a.deploymentId = id;
          a.state = State.LIVE;
          services.metrics().deployed();
          LOG.info("deployed workspace {} in {} ms", key, (System.nanoTime() - t0) / 1_000_000);
          a.ready.complete(key.address());
        })
        .onFailure(err -> {
          services.metrics().loadFailed();
          activations.remove(key, a);
          table.remove(key);
          book.closed(key);
          a.closed.complete();
          BranchworkException be = Failures.normalize(err);
          LOG.warn("workspace {} failed to load: {}", key, be.toString());
          a.ready.fail(be);
        });
    return a;
  }

  private Future<JsonObject> deregister(WorkspaceKey key, String holder) {
    return table.removeHolder(key, holder, System.currentTimeMillis()).map(entry -> {
      entry.ifPresent(e -> book.released(key, holder, e.holders().size(), e.timeZeroed()));
      Activation a = activations.get(key);
      if (a != null && a.state == State.LIVE) {
        // A lock dies with its holder's reference (for holders that never joined as a session).
        vertx.eventBus().send(key.address(), new JsonObject().put("op", WorkspaceOps.HOLDER_RELEASED)
            .put("user", "branchwork").put("holder", holder));
      }
      return new JsonObject();
    });
  }

  /** A workspace renamed its branch: its row and deployment now answer to the new key. */
  private Future<JsonObject> rename(WorkspaceKey from, String toBranch) {
    WorkspaceKey to = new WorkspaceKey(from.project(), toBranch);
    Activation a = activations.get(from);
    if (a == null) {
      return Future.failedFuture(BranchworkException.notFound("workspace " + from + " is not open"));
    }
    if (activations.containsKey(to)) {
      return Future.failedFuture(BranchworkException.conflict("workspace " + to + " is open"));
    }
    activations.remove(from);
    activations.put(to, a);
    return table.rename(from, to).map(v -> new JsonObject());
  }

  private Future<JsonObject> lookup(WorkspaceKey key) {
    Activation a = activations.get(key);
    return table.get(key).compose(entry -> {
      if (entry.isEmpty() || a == null) {
        return Future.failedFuture(BranchworkException.notFound("workspace " + key + " is not open"));
      }
      return Future.succeededFuture(describe(entry.get(), a));
    });
  }

  private Future<JsonObject> kill(WorkspaceKey key) {
    if (!activations.containsKey(key)) {
      return Future.failedFuture(BranchworkException.notFound("workspace " + key + " is not open"));
    }
    return close(key, "killed").map(v -> new JsonObject());
  }

  private Future<JsonObject> stats() {
    return table.entries().map(entries -> {
      JsonArray list = new JsonArray();
      int holders = 0;
      for (WorkspaceTable.Entry e : entries) {
        Activation a = activations.get(e.key());
        if (a != null) {
          list.add(describe(e, a));
          holders += e.holders().size();
        }
      }
      return new JsonObject().put("count", list.size()).put("holders", holders).put("workspaces", list);
    });
  }

  private JsonObject describe(WorkspaceTable.Entry e, Activation a) {
    return new JsonObject()
        .put("project", e.key().project())
        .put("branch", e.key().branch())
        .put("address", e.key().address())
        .put("node", e.node())
        .put("holders", e.holders().size())
        .put("timeZeroed", e.timeZeroed())
        .put("state", a.state.name().toLowerCase(java.util.Locale.ROOT))
        .put("deploymentId", a.deploymentId);
  }

  // --- GC and closing

  private void gc() {
    long now = System.currentTimeMillis();
    long grace = services.config().gcGraceMs;
    table.entries().onSuccess(entries -> {
      for (WorkspaceTable.Entry e : entries) {
        Activation a = activations.get(e.key());
        if (a != null && a.state == State.LIVE && e.holders().isEmpty() && e.timeZeroed() > 0
            && now - e.timeZeroed() >= grace) {
          LOG.info("evicting workspace {}: no holder for {} ms", e.key(), now - e.timeZeroed());
          close(e.key(), "idle");
        }
      }
    });
  }

  /** Undeploys a workspace (it saves first when configured) and forgets it. */
  private Future<Void> close(WorkspaceKey key, String reason) {
    Activation a = activations.get(key);
    if (a == null) {
      return Future.succeededFuture();
    }
    if (a.state == State.CLOSING) {
      return a.closed.future();
    }
    if (a.state == State.LOADING) {
      // Let the load finish (or fail), then close what it produced.
      return a.ready.future().transform(ar -> close(key, reason));
    }
    a.state = State.CLOSING;
    long t0 = System.nanoTime();
    new WorkspaceEvents(vertx.eventBus(), key).publish(WorkspaceEvents.CLOSING,
        new JsonObject().put("reason", reason), null);
    // When the allocator itself is undeployed, Vert.x has already undeployed its children.
    Future<Void> undeployed = vertx.deploymentIDs().contains(a.deploymentId)
        ? vertx.undeploy(a.deploymentId) : Future.succeededFuture();
    return undeployed
        .onFailure(e -> LOG.error("workspace {} did not undeploy cleanly", key, e))
        .transform(ar -> {
          activations.remove(key, a);
          services.metrics().evicted();
          LOG.info("closed workspace {} ({}) after {} ms open, in {} ms", key, reason,
              System.currentTimeMillis() - a.since, (System.nanoTime() - t0) / 1_000_000);
          return table.remove(key);
        })
        .onComplete(ar -> {
          book.closed(key);
          a.closed.complete();
          refreshGauges();
        });
  }

  /** Refreshes the figures the gauges read from other threads. */
  private void refreshGauges() {
    table.entries().onSuccess(entries -> {
      int live = 0;
      int holders = 0;
      for (WorkspaceTable.Entry e : entries) {
        Activation a = activations.get(e.key());
        if (a != null && a.state == State.LIVE) {
          live++;
          holders += e.holders().size();
        }
      }
      liveGauge = live;
      holderGauge = holders;
    });
  }
}
