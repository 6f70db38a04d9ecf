package io.branchwork.gateway;

import io.branchwork.auth.Tokens;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.AllocatorClient;
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
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, for browsers using the stock Vert.x client.
 * Inbound: {@code allocator} (register, deregister, lookup) and workspace addresses (the client
 * ops only), each message checked for its {@code token} header and the user's role, with
 * {@code user} set by the server. Outbound: event addresses of projects the user may read.
 * A socket lives no longer than the tokens it used: an expired or revoked token closes it, and
 * no event is delivered past expiry. When it closes, everything it took goes back: its
 * references, its lock (held in the name of the socket), its user's connection and workspace slots.
 */
public final class EventBusBridge {

  public static final String PATH = "/eventbus";
  private static final Logger LOG = LoggerFactory.getLogger(EventBusBridge.class);
  private static final Set<String> ALLOCATOR_OPS = Set.of(AllocatorOps.REGISTER, AllocatorOps.DEREGISTER,
      AllocatorOps.LOOKUP);
  private static final long SWEEP_MS = 1000;
  /** Fields of the bridge's own frames (the Vert.x SockJS bridge protocol). */
  private static final String ADDRESS = "address";
  private static final String BODY = "body";
  private static final String HEADERS = "headers";
  private static final String TOKEN = "token";

  private final Vertx vertx;
  private final Gateways gateways;
  private final Map<SockJSSocket, BridgeSocket> sockets = new HashMap<>();
  private final AllocatorClient allocator;
  private MessageConsumer<JsonObject> revocations;
  private long sweepTimer = -1;

  public EventBusBridge(Vertx vertx, Gateways gateways) {
    this.vertx = vertx;
    this.gateways = gateways;
    this.allocator = new AllocatorClient(vertx, gateways.limits().requestTimeoutMs());
  }

  /** Closes sockets whose token was revoked or has expired, so their subscriptions end with it. */
  public Future<Void> start() {
    sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> closeExpired(System.currentTimeMillis()));
    revocations = vertx.eventBus().<JsonObject>consumer(Addresses.TOKEN_REVOKED, m -> {
      String hash = m.body().getString("tokenHash");
      for (Map.Entry<SockJSSocket, BridgeSocket> e : new HashMap<>(sockets).entrySet()) {
        if (hash != null && e.getValue().tokens.contains(hash)) {
          e.getKey().close();
        }
      }
    });
    return revocations.completion();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(sweepTimer);
    return revocations == null ? Future.succeededFuture() : revocations.unregister();
  }

  public void mount(Router router) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ALLOCATOR))
        // where inbound() redirects allocator requests; a client naming it directly is refused there
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ALLOCATOR_LOCAL))
        .addInboundPermitted(new PermittedOptions().setAddressRegex(Pattern.quote(Addresses.WORKSPACE_PREFIX) + ".+"))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(Pattern.quote(Addresses.EVENTS_PREFIX) + ".+"))
        .setMaxHandlersPerSocket(gateways.limits().maxReferencesPerSocket())
        .setReplyTimeout(gateways.limits().requestTimeoutMs())
        .setPingTimeout(gateways.limits().idleTimeoutMs());
    SockJSHandler handler = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setRegisterWriteHandler(false));
    // The HTTP transports (xhr_send, jsonp_send) read their messages from the body: bounded like a
    // WebSocket frame, refused with 413 past it, never buffered whole.
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(gateways.limits().maxFrameBytes()));
    router.route(PATH + "/*").subRouter(handler.bridge(options, this::onEvent));
  }

  private void onEvent(BridgeEvent event) {
    switch (event.type()) {
      case SOCKET_CREATED -> {
        // SockJS sockets share the node's connection cap with /ws: unauthenticated ones included.
        if (!gateways.connections().tryAcquire()) {
          LOG.debug("bridge refused a socket: ws.maxConnections reached");
          event.complete(false);
          return;
        }
        sockets.put(event.socket(), new BridgeSocket());
        event.complete(true);
      }
      case SEND -> check(event, this::inbound);
      case REGISTER -> check(event, this::register);
      case PUBLISH -> event.complete(false);
      case RECEIVE -> event.complete(deliverable(event.socket()));
      case SOCKET_CLOSED -> {
        releaseAll(event.socket());
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }

  /** Outbound messages go only to sockets whose tokens are all still alive. */
  private boolean deliverable(SockJSSocket socket) {
    BridgeSocket state = sockets.get(socket);
    if (state != null && System.currentTimeMillis() >= state.expiresAt) {
      socket.close();
      return false;
    }
    return true;
  }

  private void closeExpired(long now) {
    for (Map.Entry<SockJSSocket, BridgeSocket> e : new HashMap<>(sockets).entrySet()) {
      if (now >= e.getValue().expiresAt) {
        e.getKey().close();
      }
    }
  }

  private void check(BridgeEvent event, BiFunction<BridgeEvent, String, Future<Void>> rule) {
    JsonObject raw = event.getRawMessage();
    // A malformed frame is refused here; a thrown ClassCastException would leave it unanswered.
    Object headers = raw == null ? null : raw.getValue(HEADERS);
    Object tokenValue = headers instanceof JsonObject h ? h.getValue(TOKEN) : null;
    Object address = raw == null ? null : raw.getValue(ADDRESS);
    if (!(tokenValue instanceof String token) || !(address instanceof String)) {
      LOG.debug("bridge refused {}: no token header or no address", event.type());
      event.complete(false);
      return;
    }
    gateways.auth().session(token)
        .compose(session -> {
          // Looked up after the wait: a socket that closed meanwhile has given everything back.
          BridgeSocket state = sockets.get(event.socket());
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
          return rule.apply(event, session.username()).map(v -> {
            state.tokens.add(Tokens.hash(token));
            state.expiresAt = Math.min(state.expiresAt, session.expiresAt());
            return v;
          });
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.debug("bridge refused {} to {}: {}", event.type(), address, ar.cause().toString());
          }
          event.complete(ar.succeeded());
        });
  }

  /** A send to the allocator or a workspace: allowed op, right role, {@code user} set by us. */
  private Future<Void> inbound(BridgeEvent event, String user) {
    JsonObject raw = event.getRawMessage();
    String address = raw.getString(ADDRESS);
    Object bodyValue = raw.getValue(BODY);
    if (!(bodyValue instanceof JsonObject body)) {
      return Future.failedFuture(BranchworkException.badRequest("the body must be a JSON object"));
    }
    String op = Args.string(body, AllocatorOps.FIELD_OP);
    BridgeSocket socket = sockets.get(event.socket());
    if (address.equals(Addresses.ALLOCATOR)) {
      return allocatorOp(event, socket, body, op, user);
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
    return gateways.auth().requireRole(key.project(), user, needed).map(r -> {
      requireOpen(event, socket);
      socket.touched.add(key);
      body.put(WorkspaceOps.FIELD_USER, user).put(WorkspaceOps.FIELD_HOLDER, socket.holder);
      event.setRawMessage(raw.put(BODY, body));
      return null;
    });
  }

  private Future<Void> allocatorOp(BridgeEvent event, BridgeSocket socket, JsonObject body, String op, String user) {
    if (!ALLOCATOR_OPS.contains(op)) {
      return Future.failedFuture(BranchworkException.forbidden("allocator op not allowed: " + op));
    }
    WorkspaceKey key = new WorkspaceKey(Args.string(body, AllocatorOps.FIELD_PROJECT),
        Args.string(body, AllocatorOps.FIELD_BRANCH));
    // Holders are namespaced by socket, so a socket can neither drop nor fake another's reference.
    BridgeSocket.Reference ref = new BridgeSocket.Reference(key,
        socket.holder + ":" + body.getString(AllocatorOps.FIELD_HOLDER, "default"), user);
    return gateways.auth().requireRole(key.project(), user, Role.READER).map(r -> {
      requireOpen(event, socket);
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
      event.setRawMessage(event.getRawMessage().put(BODY, body).put(ADDRESS, Addresses.ALLOCATOR_LOCAL));
      return null;
    });
  }

  /** After an asynchronous check: a socket that closed meanwhile has given everything back; take nothing more. */
  private void requireOpen(BridgeEvent event, BridgeSocket socket) {
    if (sockets.get(event.socket()) != socket) {
      throw BranchworkException.unauthenticated("the socket closed");
    }
  }

  /** A subscription: only to event addresses of projects the user may read. */
  private Future<Void> register(BridgeEvent event, String user) {
    String address = event.getRawMessage().getString(ADDRESS);
    WorkspaceKey key = !address.startsWith(Addresses.EVENTS_PREFIX) ? null : WorkspaceKey.fromAddress(address);
    if (key == null) {
      return Future.failedFuture(BranchworkException.forbidden("not an event address"));
    }
    return gateways.auth().requireRole(key.project(), user, Role.READER).mapEmpty();
  }

  /** The socket closed: its references, its lock and its user's slots go back. */
  private void releaseAll(SockJSSocket socket) {
    BridgeSocket state = sockets.remove(socket);
    if (state == null) {
      return;
    }
    gateways.connections().release();
    for (BridgeSocket.Reference ref : state.references) {
      gateways.quotas().release(ref.user(), ref.key());
      allocator.deregister(ref.key(), ref.holder());
    }
    for (WorkspaceKey key : state.touched) {
      // Ops went out in the socket's name; a lock it took ends with it, as the contract says.
      vertx.eventBus().send(key.address(), WorkspaceOps.holderReleased(state.holder));
    }
    if (state.user != null) {
      gateways.quotas().disconnect(state.user);
    }
  }
}
