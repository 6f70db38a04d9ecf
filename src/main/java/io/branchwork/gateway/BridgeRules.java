package io.branchwork.gateway;

import io.branchwork.auth.Principal;
import io.branchwork.auth.Tokens;
import io.branchwork.client.AllocatorClient;
import io.branchwork.client.WorkspaceClient;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorOps;
import io.branchwork.contract.ClientOps;
import io.branchwork.contract.Role;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules every event-bus bridge applies, written once for the SockJS bridge
 * ({@link EventBusBridge}) and the TCP bridge ({@link TcpBridge}). Inbound: {@code allocator}
 * (register, deregister, lookup) and workspace addresses (the client ops only), each message
 * checked for its {@code token} header and the user's role, with {@code user} set by the server;
 * publishing is refused. Subscriptions: event addresses of projects the user may read. A socket
 * is one user's, lives no longer than the tokens it used (an expired or revoked token closes it,
 * and no event is delivered past expiry), and when it closes everything it took goes back: its
 * references, its lock (held in the name of the socket), its user's connection and workspace
 * slots. A socket is whatever object the bridge knows it by, with a way to close it. Used from
 * one event loop per instance.
 */
public final class BridgeRules {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeRules.class);
  private static final Set<String> ALLOCATOR_OPS = Set.of(AllocatorOps.REGISTER, AllocatorOps.DEREGISTER,
      AllocatorOps.LOOKUP);
  private static final long SWEEP_MS = 1000;
  /** Fields of the bridges' frames (the same in the SockJS and TCP bridge protocols). */
  static final String ADDRESS = "address";
  static final String BODY = "body";
  static final String HEADERS = "headers";
  static final String TOKEN = "token";

  private final Vertx vertx;
  private final Gateways gateways;
  private final String holderPrefix;
  private final Map<Object, BridgeSocket> sockets = new HashMap<>();
  private final AllocatorClient allocator;
  private MessageConsumer<JsonObject> revocations;
  private long sweepTimer = -1;

  /** {@code holderPrefix} names the door in the holder names its sockets take ({@code sockjs}, {@code tcp}). */
  public BridgeRules(Vertx vertx, Gateways gateways, String holderPrefix) {
    this.vertx = vertx;
    this.gateways = gateways;
    this.holderPrefix = holderPrefix;
    this.allocator = new AllocatorClient(vertx, gateways.limits().requestTimeoutMs());
  }

  /** Closes sockets whose token was revoked or has expired, so their subscriptions end with it. */
  public Future<Void> start() {
    sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> closeExpired(System.currentTimeMillis()));
    revocations = vertx.eventBus().<JsonObject>consumer(Addresses.TOKEN_REVOKED, m -> {
      String hash = m.body().getString("tokenHash");
      for (BridgeSocket s : sockets.values().toArray(BridgeSocket[]::new)) {
        if (hash != null && s.tokens.contains(hash)) {
          s.close.run();
        }
      }
    });
    return revocations.completion();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(sweepTimer);
    return revocations == null ? Future.succeededFuture() : revocations.unregister();
  }

  /**
   * A new socket: false (refuse it) past the node's connection cap, which the bridges share with
   * {@code /ws}, unauthenticated sockets included.
   */
  public boolean opened(Object socket, Runnable close) {
    if (!gateways.connections().tryAcquire()) {
      LOG.debug("bridge refused a socket: ws.maxConnections reached");
      return false;
    }
    sockets.put(socket, new BridgeSocket(holderPrefix, close));
    return true;
  }

  /**
   * Judges an inbound frame ({@code send}, {@code publish}, {@code register}); answers the frame to
   * act on (its body rewritten: {@code user} and holder set by the server, allocator requests sent
   * to this node's allocator), or fails with the reason it is refused.
   */
  public Future<JsonObject> admit(Object socket, BridgeEventType type, JsonObject raw) {
    return switch (type) {
      case SEND -> check(socket, raw, this::inbound);
      case REGISTER -> check(socket, raw, this::register);
      case UNREGISTER -> Future.succeededFuture(raw);
      default -> Future.failedFuture(BranchworkException.forbidden(type.name().toLowerCase(Locale.ROOT)
          + " is not allowed"));
    };
  }

  /** Outbound messages go only to sockets whose tokens are all still alive. */
  public boolean deliverable(Object socket) {
    BridgeSocket state = sockets.get(socket);
    if (state != null && System.currentTimeMillis() >= state.expiresAt) {
      state.close.run();
      return false;
    }
    return true;
  }

  private void closeExpired(long now) {
    for (BridgeSocket s : sockets.values().toArray(BridgeSocket[]::new)) {
      if (now >= s.expiresAt) {
        s.close.run();
      }
    }
  }

  /** A rule over a frame whose token checked out, for its user. */
  @FunctionalInterface
  private interface Rule {
    Future<JsonObject> apply(BridgeSocket socket, JsonObject raw, Principal who);
  }

  private Future<JsonObject> check(Object key, JsonObject raw, Rule rule) {
    // A malformed frame is refused here; a thrown ClassCastException would leave it unanswered.
    Object headers = raw == null ? null : raw.getValue(HEADERS);
    Object tokenValue = headers instanceof JsonObject h ? h.getValue(TOKEN) : null;
    Object address = raw == null ? null : raw.getValue(ADDRESS);
    if (!(tokenValue instanceof String token) || !(address instanceof String)) {
      return Future.failedFuture(BranchworkException.unauthenticated("no token header or no address"));
    }
    return gateways.auth().authenticate(token)
        .compose(session -> {
          // Looked up after the wait: a socket that closed meanwhile has given everything back.
          BridgeSocket state = sockets.get(key);
          if (state == null) {
            return Future.failedFuture(BranchworkException.unauthenticated("the socket closed"));
          }
          if (state.user != null && !state.user.equals(session.username())) {
            // One socket, one user, as on /ws: its ops share one holder, and so one lock.
            return Future.failedFuture(BranchworkException.forbidden("this socket is " + state.user + "'s"));
          }
          if (state.user == null) {
            gateways.quotas().connect(session.username());
            state.user = session.username();
          }
          return rule.apply(state, raw, session).map(v -> {
            state.tokens.add(Tokens.hash(token));
            state.expiresAt = Math.min(state.expiresAt, session.expiresAt());
            return v;
          });
        })
        .onFailure(e -> LOG.debug("bridge refused a frame to {}: {}", address, e.toString()));
  }

  /** A send to the allocator or a workspace: allowed op, right role, {@code user} set by us. */
  private Future<JsonObject> inbound(BridgeSocket socket, JsonObject raw, Principal who) {
    String user = who.username();
    String address = raw.getString(ADDRESS);
    Object bodyValue = raw.getValue(BODY);
    if (!(bodyValue instanceof JsonObject body)) {
      return Future.failedFuture(BranchworkException.badRequest("the body must be a JSON object"));
    }
    String op = Args.string(body, AllocatorOps.FIELD_OP);
    if (address.equals(Addresses.ALLOCATOR)) {
      return allocatorOp(socket, raw, body, op, who);
    }
    WorkspaceKey key = WorkspaceKey.fromAddress(address);
    Role needed = ClientOps.workspaceRole(op);
    if (key == null || needed == null || !address.startsWith(Addresses.WORKSPACE_PREFIX)) {
      return Future.failedFuture(BranchworkException.forbidden("not a workspace op: " + op));
    }
    if (!socket.touched.contains(key) && socket.touched.size() >= gateways.limits().maxReferencesPerSocket()) {
      return Future.failedFuture(BranchworkException.overloaded("this socket already works on "
          + socket.touched.size() + " workspaces (limits.maxReferencesPerSocket)"));
    }
    return gateways.auth().requireRole(key.project(), who, needed).map(r -> {
      requireOpen(socket);
      socket.touched.add(key);
      WorkspaceClient.stamp(body, user, socket.holder);
      return raw.put(BODY, body);
    });
  }

  private Future<JsonObject> allocatorOp(BridgeSocket socket, JsonObject raw, JsonObject body, String op,
      Principal who) {
    String user = who.username();
    if (!ALLOCATOR_OPS.contains(op)) {
      return Future.failedFuture(BranchworkException.forbidden("allocator op not allowed: " + op));
    }
    WorkspaceKey key = new WorkspaceKey(Args.string(body, AllocatorOps.FIELD_PROJECT),
        Args.string(body, AllocatorOps.FIELD_BRANCH));
    // Holders are namespaced by socket, so a socket can neither drop nor fake another's reference.
    BridgeSocket.Reference ref = new BridgeSocket.Reference(key,
        socket.holder + ":" + body.getString(AllocatorOps.FIELD_HOLDER, "default"), user);
    return gateways.auth().requireRole(key.project(), who, Role.READER).map(r -> {
      requireOpen(socket);
      if (op.equals(AllocatorOps.REGISTER) && !socket.references.contains(ref)) {
        if (socket.references.size() >= gateways.limits().maxReferencesPerSocket()) {
          throw BranchworkException.overloaded("this socket already holds " + socket.references.size()
              + " references (limits.maxReferencesPerSocket)");
        }
        gateways.quotas().hold(user, key);
        socket.references.add(ref);
        socket.touched.add(key);
      } else if (op.equals(AllocatorOps.DEREGISTER) && socket.references.remove(ref)) {
        gateways.quotas().release(user, key);
      }
      // The reference lives as long as this socket, on this node: a node's death releases it.
      body.put(AllocatorOps.FIELD_HOLDER, ref.holder()).put(WorkspaceOps.FIELD_USER, user)
          .put(AllocatorOps.FIELD_VIA, gateways.ownership().self())
          .put(AllocatorOps.FIELD_VIA_TAG, gateways.ownership().selfTag());
      // Answered by this node's allocator, which forwards to the owner: in a cluster the
      // public address may pick any node, even, for a moment, one that has just died.
      return raw.put(BODY, body).put(ADDRESS, Addresses.ALLOCATOR_LOCAL);
    });
  }

  /** After an asynchronous check: a socket that closed meanwhile has given everything back; take nothing more. */
  private void requireOpen(BridgeSocket socket) {
    if (socket.closed) {
      throw BranchworkException.unauthenticated("the socket closed");
    }
  }

  /** A subscription: only to event addresses of projects the user may read. */
  private Future<JsonObject> register(BridgeSocket socket, JsonObject raw, Principal who) {
    String address = raw.getString(ADDRESS);
    WorkspaceKey key = !address.startsWith(Addresses.EVENTS_PREFIX) ? null : WorkspaceKey.fromAddress(address);
    if (key == null) {
      return Future.failedFuture(BranchworkException.forbidden("not an event address"));
    }
    return gateways.auth().requireRole(key.project(), who, Role.READER).map(r -> raw);
  }

  /** The socket closed: its references, its lock and its user's slots go back. */
  public void closed(Object socket) {
    BridgeSocket state = sockets.remove(socket);
    if (state == null) {
      return;
    }
    state.closed = true;
    gateways.connections().release();
    for (BridgeSocket.Reference ref : state.references) {
      gateways.quotas().release(ref.user(), ref.key());
      allocator.deregister(ref.key(), ref.holder());
    }
    for (WorkspaceKey key : state.touched) {
      // Ops went out in the socket's name; a lock it took ends with it, as the contract says.
      WorkspaceClient.holderReleased(vertx, key, state.holder);
    }
    if (state.user != null) {
      gateways.quotas().disconnect(state.user);
    }
  }
}
