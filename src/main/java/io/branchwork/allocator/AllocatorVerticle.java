package io.branchwork.allocator;

import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.branchwork.contract.Events;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.services.Services;
import io.branchwork.workspace.WorkspaceSettings;
import io.branchwork.workspace.WorkspaceVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The coordinator, the only one who deploys or undeploys workspaces: it takes allocator requests
 * on its three addresses and hands each to the class whose job it is. {@link OwnerRouter} finds
 * or claims a key's owner and serves or forwards; {@link LocalWorkspaces} is this node's table
 * of activations; {@link IdleCollector} is the GC; {@link ClusterHousekeeping} reacts to
 * membership; {@link HandOver} runs a clean stop; {@link ClusterStats} merges the members' stats.
 */
public final class AllocatorVerticle extends VerticleBase {

  private static final int MAX_HOLDER_LENGTH = 255;

  /** Where a request came in, which decides what it may ask and whose view it gets. */
  private enum Channel {
    /** {@code allocator}: services on the bus, the SockJS bridge; stats are the cluster's. */
    PUBLIC,
    /** This node's gateway and workspaces; stats are this node's. */
    LOCAL,
    /** Another node's allocator, forwarding to the key's owner. */
    NODE
  }

  private final Services services;
  private final Ownership ownership;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private LocalWorkspaces local;
  private OwnerRouter router;
  private ClusterHousekeeping housekeeping;
  private HandOver handOver;
  private ClusterStats clusterStats;
  private IdleCollector collector;
  private MessageConsumer<JsonObject> nodeConsumer;
  private Runnable membershipListener = () -> { };
  private long gcTimer = -1;
  private volatile int liveGauge;
  private volatile int holderGauge;

  public AllocatorVerticle(Services services, Ownership ownership) {
    this.services = services;
    this.ownership = ownership;
  }

  @Override
  public Future<?> start() {
    var config = services.config();
    WorkspaceSettings settings = WorkspaceSettings.of(config, services.tmpRoot());
    local = new LocalWorkspaces(vertx, services.store(), ownership, services.metrics(),
        (key, saveOnStop) -> new WorkspaceVerticle(key, services, settings, saveOnStop), config.clusterFailureTimeoutMs);
    housekeeping = new ClusterHousekeeping(vertx, services.store(), ownership, local);
    router = new OwnerRouter(vertx, ownership, local, config.loadTimeoutMs, config.requestTimeoutMs,
        config.clusterFailureTimeoutMs, housekeeping::lost);
    handOver = new HandOver(vertx, ownership, local, router, config.loadTimeoutMs);
    clusterStats = new ClusterStats(vertx, ownership, local, config.requestTimeoutMs);
    collector = new IdleCollector(local, config.gcGraceMs, this::refreshGauges);
    services.metrics().allocatorGauges(() -> liveGauge, () -> holderGauge);
    consumers.add(vertx.eventBus().consumer(Addresses.ALLOCATOR, m -> onMessage(m, Channel.PUBLIC)));
    consumers.add(vertx.eventBus().localConsumer(Addresses.ALLOCATOR_LOCAL, m -> onMessage(m, Channel.LOCAL)));
    List<Future<Void>> ready = new ArrayList<>();
    consumers.forEach(c -> ready.add(c.completion()));
    if (ownership.clustered()) {
      nodeConsumer = vertx.eventBus().consumer(Addresses.allocatorOf(ownership.self()),
          m -> onMessage(m, Channel.NODE));
      ready.add(nodeConsumer.completion());
      membershipListener = ownership.onMembershipChange(housekeeping::reconcile);
      services.metrics().clusterGauge(() -> ownership.liveNodes().size());
    }
    gcTimer = vertx.setPeriodic(config.gcIntervalMs, id -> {
      long now = System.currentTimeMillis();
      collector.collect(now);
      if (ownership.clustered()) {
        housekeeping.tick(now);
      }
    });
    return Future.all(ready).onSuccess(v -> {
      if (ownership.clustered()) {
        housekeeping.reconcile();
      }
    });
  }

  /**
   * Stops taking requests, then closes every workspace: saved, undeployed and its claim let go.
   * A workspace that other nodes still hold is handed to one of them with its references.
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(gcTimer);
    membershipListener.run();
    List<Future<Void>> unregistered = new ArrayList<>();
    consumers.forEach(c -> unregistered.add(c.unregister()));
    return Future.join(unregistered)
        .compose(v -> {
          List<Future<Void>> closing = new ArrayList<>();
          for (WorkspaceKey key : local.keys()) {
            closing.add(handOver.closeOrHandOver(key));
          }
          return Future.join(closing);
        })
        .compose(v -> nodeConsumer == null ? Future.succeededFuture() : nodeConsumer.unregister())
        .compose(v -> local.flush());
  }

  private void onMessage(Message<JsonObject> msg, Channel channel) {
    Future<JsonObject> result;
    try {
      result = handle(parse(msg, channel), channel);
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

  private AllocatorRequest parse(Message<JsonObject> msg, Channel channel) {
    JsonObject body = msg.body();
    if (body == null) {
      throw BranchworkException.badRequest("a request must be a JSON object");
    }
    String op = Args.string(body, AllocatorOps.FIELD_OP);
    if (op.equals(AllocatorOps.STATS) || op.equals(AllocatorOps.ADOPT)) {
      return new AllocatorRequest(op, body, null, null, null);
    }
    WorkspaceKey key = new WorkspaceKey(Args.string(body, AllocatorOps.FIELD_PROJECT),
        Args.string(body, AllocatorOps.FIELD_BRANCH));
    String holder = null;
    if (op.equals(AllocatorOps.REGISTER) || op.equals(AllocatorOps.DEREGISTER)) {
      holder = Args.string(body, AllocatorOps.FIELD_HOLDER);
      if (holder.isEmpty() || holder.length() > MAX_HOLDER_LENGTH) {
        throw BranchworkException.badRequest("'holder' must have 1 to " + MAX_HOLDER_LENGTH + " characters");
      }
    }
    return new AllocatorRequest(op, body, key, holder, via(body, channel));
  }

  /**
   * Where a reference comes from. This node's own gateway uses the local address; a forwarded
   * request and the SockJS bridge carry their node in the body; anything else on the public
   * address is a service on the bus, tied to no node.
   */
  private Via via(JsonObject body, Channel channel) {
    if (channel == Channel.LOCAL && !body.containsKey(AllocatorOps.FIELD_VIA)) {
      return new Via(ownership.self(), ownership.selfTag());
    }
    return Via.of(body, ownership.selfTag());
  }

  private Future<JsonObject> handle(AllocatorRequest r, Channel channel) {
    boolean forwarded = channel == Channel.NODE;
    switch (r.op()) {
      case AllocatorOps.REGISTER:
        return forwarded ? router.registerAsOwner(r) : router.register(r);
      case AllocatorOps.DEREGISTER:
        return router.deregister(r, forwarded);
      case AllocatorOps.LOOKUP:
        return router.onOwner(r, forwarded, () -> Future.succeededFuture(local.describe(r.key())));
      case AllocatorOps.KILL:
        return router.onOwner(r, forwarded,
            () -> local.close(r.key(), Events.REASON_KILLED, Close.NOTIFY).map(new JsonObject()));
      case AllocatorOps.STATS:
        return channel == Channel.PUBLIC && ownership.clustered() ? clusterStats.merged()
            : Future.succeededFuture(local.stats().put("gcRuns", collector.runs()));
      case AllocatorOps.RENAME:
        if (channel != Channel.LOCAL) {
          throw BranchworkException.badRequest("rename is internal"); // a workspace of this node tells its allocator
        }
        // The workspace saved itself under the new name and told its sessions: close it quietly.
        return local.close(r.key(), Events.REASON_RENAMED, Close.RETIRE).map(new JsonObject());
      case AllocatorOps.ADOPT:
        if (!forwarded) {
          throw BranchworkException.badRequest("adopt is internal");
        }
        return handOver.adopt(r.body());
      default:
        throw BranchworkException.badRequest("unknown allocator op '" + r.op() + "'");
    }
  }

  /** Refreshes the figures the gauges read from other threads. */
  private void refreshGauges() {
    liveGauge = local.liveCount();
    holderGauge = local.holderCount();
  }
}
