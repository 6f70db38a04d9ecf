package io.branchwork.allocator;

import io.branchwork.contract.ErrorCode;
import io.branchwork.Services;
import io.branchwork.allocator.LocalWorkspaces.Close;
import io.branchwork.allocator.LocalWorkspaces.Origin;
import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.branchwork.contract.Events;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.workspace.WorkspaceEvents;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator: the only one who deploys or undeploys workspaces. Every request names a key;
 * the allocator finds the key's owner through {@link Ownership}, claims the key when nobody
 * owns it, and either serves the request from {@link LocalWorkspaces} (this node owns the key)
 * or forwards it to the owner's allocator. Holders on any node therefore count on the owner,
 * and the owner's GC undeploys workspaces that nobody has held for {@code gc.graceMs}.
 *
 * <p>When members leave, survivors drop the references held through them, and the oldest
 * member removes the dead nodes' claims and session rows and tells every session on a workspace
 * that died ({@code closing}, reason {@code node lost}), so that clients reopen it. A node that
 * stops saves its workspaces and hands those that others still hold to one of them.
 */
public final class AllocatorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AllocatorVerticle.class);
  private static final int MAX_HOLDER_LENGTH = 255;
  private static final long RETRY_MS = 200;
  private static final long SWEEP_EVERY_MS = 5_000;

  /** Where a request came in, which decides what it may ask and whose view it gets. */
  private enum Channel {
    /** {@code allocator}: services on the bus, the SockJS bridge; stats are the cluster's. */
    PUBLIC,
    /** This node's gateway and workspaces; stats are this node's. */
    LOCAL,
    /** Another node's allocator, forwarding to the key's owner. */
    NODE
  }

  /** One allocator request, with where its reference comes from. */
  private record Req(String op, JsonObject body, WorkspaceKey key, String holder, Origin origin) {}

  private final Services services;
  private final Ownership ownership;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private LocalWorkspaces local;
  private MessageConsumer<JsonObject> nodeConsumer;
  private Runnable membershipListener = () -> { };
  private long gcTimer = -1;
  private long lastSweep;
  private int retryLimit;
  private volatile int liveGauge;
  private volatile int holderGauge;

  public AllocatorVerticle(Services services, Ownership ownership) {
    this.services = services;
    this.ownership = ownership;
  }

  @Override
  public Future<?> start() {
    local = new LocalWorkspaces(vertx, services, ownership);
    // Long enough to outwait the failure detector, after which a dead owner's claim is free.
    retryLimit = (int) (3 * services.config().clusterFailureTimeoutMs / RETRY_MS) + 5;
    services.metrics().allocatorGauges(() -> liveGauge, () -> holderGauge);
    consumers.add(vertx.eventBus().consumer(Addresses.ALLOCATOR, m -> onMessage(m, Channel.PUBLIC)));
    consumers.add(vertx.eventBus().localConsumer(Addresses.ALLOCATOR_LOCAL, m -> onMessage(m, Channel.LOCAL)));
    List<Future<Void>> ready = new ArrayList<>();
    consumers.forEach(c -> ready.add(c.completion()));
    if (ownership.clustered()) {
      nodeConsumer = vertx.eventBus().consumer(Addresses.allocatorOf(ownership.self()),
          m -> onMessage(m, Channel.NODE));
      ready.add(nodeConsumer.completion());
      membershipListener = ownership.onMembershipChange(this::reconcile);
      services.metrics().clusterGauge(() -> ownership.liveNodes().size());
    }
    gcTimer = vertx.setPeriodic(services.config().gcIntervalMs, id -> gc());
    return Future.all(ready).onSuccess(v -> {
      if (ownership.clustered()) {
        reconcile();
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
            closing.add(closeOrHandOver(key));
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

  private Req parse(Message<JsonObject> msg, Channel channel) {
    JsonObject body = msg.body();
    if (body == null) {
      throw BranchworkException.badRequest("a request must be a JSON object");
    }
    String op = Args.string(body, AllocatorOps.FIELD_OP);
    if (op.equals(AllocatorOps.STATS) || op.equals(AllocatorOps.ADOPT)) {
      return new Req(op, body, null, null, null);
    }
    WorkspaceKey key = keyOf(body);
    String holder = null;
    if (op.equals(AllocatorOps.REGISTER) || op.equals(AllocatorOps.DEREGISTER)) {
      holder = Args.string(body, AllocatorOps.FIELD_HOLDER);
      if (holder.isEmpty() || holder.length() > MAX_HOLDER_LENGTH) {
        throw BranchworkException.badRequest("'holder' must have 1 to " + MAX_HOLDER_LENGTH + " characters");
      }
    }
    return new Req(op, body, key, holder, origin(body, channel));
  }

  /**
   * Where a reference comes from. This node's own gateway uses the local address; a forwarded
   * request and the SockJS bridge carry their node in the body; anything else on the public
   * address is a service on the bus, tied to no node.
   */
  private Origin origin(JsonObject body, Channel channel) {
    if (channel == Channel.LOCAL && !body.containsKey(AllocatorOps.FIELD_ORIGIN)) {
      return new Origin(ownership.self(), ownership.selfTag());
    }
    Object node = body.getValue(AllocatorOps.FIELD_ORIGIN);
    Object tag = body.getValue(AllocatorOps.FIELD_ORIGIN_TAG);
    return new Origin(node instanceof String n ? n : null, tag instanceof String t ? t : ownership.selfTag());
  }

  private Future<JsonObject> handle(Req r, Channel channel) {
    boolean forwarded = channel == Channel.NODE;
    switch (r.op()) {
      case AllocatorOps.REGISTER:
        return forwarded ? registerAsOwner(r) : register(r, 1);
      case AllocatorOps.DEREGISTER:
        return deregister(r, forwarded);
      case AllocatorOps.LOOKUP:
        return onOwner(r, forwarded, () -> Future.succeededFuture(local.describe(r.key())));
      case AllocatorOps.KILL:
        return onOwner(r, forwarded, () -> local.close(r.key(), Events.REASON_KILLED, Close.NOTIFY).map(new JsonObject()));
      case AllocatorOps.STATS:
        return channel == Channel.PUBLIC && ownership.clustered() ? clusterStats()
            : Future.succeededFuture(local.stats());
      case AllocatorOps.RENAME:
        if (channel != Channel.LOCAL) {
          throw BranchworkException.badRequest("rename is internal"); // a workspace of this node tells its allocator
        }
        // The workspace saved itself under the new name and told its sessions: close it quietly.
        return local.close(r.key(), "renamed to " + Args.string(r.body(), AllocatorOps.FIELD_TO), Close.RETIRE)
            .map(new JsonObject());
      case AllocatorOps.ADOPT:
        if (!forwarded) {
          throw BranchworkException.badRequest("adopt is internal");
        }
        return adopt(r.body());
      default:
        throw BranchworkException.badRequest("unknown allocator op '" + r.op() + "'");
    }
  }

  // --- register: claim or find the owner

  private Future<JsonObject> register(Req r, int attempt) {
    Future<Void> closing = local.closing(r.key());
    if (closing != null) {
      // A reopen racing an eviction waits for it, then starts over.
      return closing.compose(v -> register(r, attempt));
    }
    if (local.has(r.key())) {
      return local.register(r.key(), r.holder(), r.origin());
    }
    return ownership.claim(r.key()).compose(claim -> {
      if (claim.tookOver()) {
        lost(List.of(r.key()));
      }
      if (claim.owner().equals(ownership.self())) {
        Future<Void> stillClosing = local.closing(r.key());
        return stillClosing != null
            ? stillClosing.compose(v -> register(r, attempt))
            : local.register(r.key(), r.holder(), r.origin());
      }
      return forward(claim.owner(), r, services.config().loadTimeoutMs)
          .recover(e -> retry(e, attempt, () -> register(r, attempt + 1)));
    });
  }

  /** A register another node forwarded here because the map names this node as the owner. */
  private Future<JsonObject> registerAsOwner(Req r) {
    Future<Void> closing = local.closing(r.key());
    if (closing != null) {
      return closing.compose(v -> notOwner(r.key()));
    }
    if (local.has(r.key())) {
      return local.register(r.key(), r.holder(), r.origin());
    }
    return ownership.owner(r.key()).compose(owner -> {
      if (owner.isPresent() && owner.get().equals(ownership.self()) && local.closing(r.key()) == null) {
        return local.register(r.key(), r.holder(), r.origin());
      }
      return notOwner(r.key());
    });
  }

  private Future<JsonObject> deregister(Req r, boolean forwarded) {
    if (local.deregister(r.key(), r.holder()) || forwarded) {
      return Future.succeededFuture(new JsonObject());
    }
    return ownership.owner(r.key()).compose(owner -> {
      if (owner.isEmpty() || owner.get().equals(ownership.self()) || !ownership.isLive(owner.get())) {
        return Future.succeededFuture(new JsonObject()); // nobody holds it any more
      }
      return forward(owner.get(), r, services.config().requestTimeoutMs)
          .recover(e -> Future.succeededFuture(new JsonObject()));
    });
  }

  /** Lookup and kill: answered by the owner, wherever it is. */
  private Future<JsonObject> onOwner(Req r, boolean forwarded,
      java.util.function.Supplier<Future<JsonObject>> here) {
    if (local.has(r.key())) {
      return here.get();
    }
    BranchworkException notOpen = BranchworkException.notFound("workspace " + r.key() + " is not open");
    if (forwarded) {
      return Future.failedFuture(notOpen);
    }
    return ownership.owner(r.key()).compose(owner -> {
      if (owner.isEmpty() || owner.get().equals(ownership.self()) || !ownership.isLive(owner.get())) {
        return Future.failedFuture(notOpen);
      }
      // An owner that let the key go meanwhile: it is not open there any more.
      return forward(owner.get(), r, services.config().requestTimeoutMs).recover(e ->
          Failures.normalize(e).code() == ErrorCode.NOT_OWNER ? Future.failedFuture(notOpen) : Future.failedFuture(e));
    });
  }

  /** Every member's own table, merged: the answer does not depend on which node was asked. */
  private Future<JsonObject> clusterStats() {
    List<Future<JsonObject>> parts = new ArrayList<>();
    for (String node : ownership.liveNodes()) {
      parts.add(node.equals(ownership.self()) ? Future.succeededFuture(local.stats())
          : vertx.eventBus().<JsonObject>request(Addresses.allocatorOf(node),
              AllocatorOps.stats(),
              new DeliveryOptions().setSendTimeout(services.config().requestTimeoutMs)).map(Message::body));
    }
    return Future.join(parts).transform(ar -> {
      JsonArray workspaces = new JsonArray();
      JsonArray nodes = new JsonArray();
      int holders = 0;
      for (Future<JsonObject> f : parts) {
        if (f.succeeded()) {
          workspaces.addAll(f.result().getJsonArray("workspaces"));
          holders += f.result().getInteger("holders");
          nodes.add(f.result().getString("node"));
        }
      }
      return Future.succeededFuture(new JsonObject().put("count", workspaces.size()).put("holders", holders)
          .put("workspaces", workspaces).put("nodes", nodes).put("complete", nodes.size() == parts.size()));
    });
  }

  private Future<JsonObject> forward(String owner, Req r, long timeoutMs) {
    JsonObject body = r.body().copy()
        .put(AllocatorOps.FIELD_ORIGIN, r.origin().node())
        .put(AllocatorOps.FIELD_ORIGIN_TAG, r.origin().tag());
    return vertx.eventBus().<JsonObject>request(Addresses.allocatorOf(owner), body,
        new DeliveryOptions().setSendTimeout(timeoutMs)).map(Message::body);
  }

  /**
   * Starts a register over when the owner turned out not to own the key (it just let it go) or
   * could not be reached (it is stopping or dead: its claim frees up once it is gone).
   */
  private Future<JsonObject> retry(Throwable e, int attempt, java.util.function.Supplier<Future<JsonObject>> again) {
    // Anything but a timeout or the owner's own answer is about reaching the owner, not the request.
    boolean retryable = !(e instanceof ReplyException re)
        || re.failureCode() == ErrorCode.NOT_OWNER.status() || re.failureType() == ReplyFailure.NO_HANDLERS
        || re.failureType() == ReplyFailure.ERROR;
    if (!retryable) {
      return Future.failedFuture(Failures.normalize(e));
    }
    if (attempt >= retryLimit) {
      // What the client hears is that the owner could not be reached, never the internal detail.
      return Future.failedFuture(BranchworkException.overloaded("no node could serve this workspace after "
          + attempt + " tries; try again"));
    }
    return vertx.timer(RETRY_MS).compose(t -> again.get());
  }

  private Future<JsonObject> notOwner(WorkspaceKey key) {
    return Future.failedFuture(new BranchworkException(ErrorCode.NOT_OWNER, key + " is not owned by this node"));
  }

  private static WorkspaceKey keyOf(JsonObject body) {
    return new WorkspaceKey(Args.string(body, AllocatorOps.FIELD_PROJECT), Args.string(body, AllocatorOps.FIELD_BRANCH));
  }

  // --- hand-over

  private Future<Void> closeOrHandOver(WorkspaceKey key) {
    Map<String, Origin> holders = local.foreignHolders(key);
    String heir = holders.values().stream().map(Origin::node)
        .filter(n -> n != null && ownership.isLive(n)).findFirst()
        .orElse(holders.isEmpty() ? null
            : ownership.liveNodes().stream().filter(n -> !n.equals(ownership.self())).findFirst().orElse(null));
    if (heir == null) {
      return local.close(key, Events.REASON_SHUTDOWN, Close.NOTIFY);
    }
    JsonArray refs = new JsonArray();
    holders.forEach((h, o) -> refs.add(new JsonObject().put(AllocatorOps.FIELD_HOLDER, h)
        .put(AllocatorOps.FIELD_ORIGIN, o.node()).put(AllocatorOps.FIELD_ORIGIN_TAG, o.tag())));
    JsonObject adopt = AllocatorOps.adopt(key, refs);
    long t0 = System.nanoTime();
    return local.close(key, Events.REASON_HANDOVER, Close.QUIET)
        .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.allocatorOf(heir), adopt,
            new DeliveryOptions().setSendTimeout(services.config().loadTimeoutMs)))
        .onSuccess(m -> LOG.info("handed workspace {} over with {} references in {} ms", key, refs.size(),
            (System.nanoTime() - t0) / 1_000_000))
        .onFailure(e -> LOG.warn("could not hand workspace {} over: {}", key, e.toString()))
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }

  /** Takes a workspace over from a node that stops: registers each of its references here. */
  private Future<JsonObject> adopt(JsonObject body) {
    WorkspaceKey key = keyOf(body);
    JsonArray refs = body.getJsonArray(AllocatorOps.FIELD_HOLDERS, new JsonArray());
    List<Future<JsonObject>> registered = new ArrayList<>();
    for (Object o : refs) {
      JsonObject ref = (JsonObject) o;
      String holder = ref.getString(AllocatorOps.FIELD_HOLDER);
      Origin origin = origin(ref, Channel.NODE);
      registered.add(register(new Req(AllocatorOps.REGISTER, AllocatorOps.register(key, holder), key, holder, origin), 1));
    }
    return Future.all(registered).map(new JsonObject());
  }

  // --- membership

  /**
   * After a member left (or joined): drop the references held through nodes that are gone and,
   * on the oldest member, clean up after them.
   */
  private void reconcile() {
    int dropped = local.dropOrigins(ownership.liveNodes());
    if (dropped > 0) {
      LOG.info("dropped {} references held through departed nodes", dropped);
    }
    sweep();
  }

  /**
   * Workspaces that died with their owner: every session on them, on any node, hears
   * {@code closing} once (whoever removed the dead claim publishes it), and its client reopens.
   */
  private void lost(List<WorkspaceKey> keys) {
    for (WorkspaceKey key : keys) {
      new WorkspaceEvents(vertx.eventBus(), key).publish(Events.CLOSING,
          new JsonObject().put(Events.FIELD_REASON, Events.REASON_NODE_LOST), null);
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
        .compose(n -> services.store().sessionServerTags())
        .compose(tags -> {
          // Membership read after the rows: a node that wrote a row was a member before it did,
          // so a node that joined meanwhile is never taken for dead.
          Set<String> liveTags = ownership.liveTags();
          List<Future<Integer>> wiped = new ArrayList<>();
          for (String tag : tags) {
            if (!liveTags.contains(tag)) {
              wiped.add(services.store().wipeServer(tag).onSuccess(n ->
                  LOG.info("removed {} workspace sessions of departed node {}", n, tag)));
            }
          }
          return Future.join(wiped);
        })
        .onFailure(e -> LOG.warn("cluster sweep failed: {}", e.toString()));
  }

  // --- GC

  private void gc() {
    long now = System.currentTimeMillis();
    for (WorkspaceKey key : local.idle(now, services.config().gcGraceMs)) {
      LOG.info("evicting workspace {}: no holder for {} ms", key, local.idleFor(key, now));
      local.close(key, Events.REASON_IDLE, Close.NOTIFY).onComplete(ar -> refreshGauges());
    }
    if (ownership.clustered()) {
      audit();
      if (now - lastSweep >= SWEEP_EVERY_MS) {
        sweep();
      }
    }
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

  /** Refreshes the figures the gauges read from other threads. */
  private void refreshGauges() {
    liveGauge = local.liveCount();
    holderGauge = local.holderCount();
  }
}
