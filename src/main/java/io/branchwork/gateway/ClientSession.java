package io.branchwork.gateway;

import io.branchwork.Services;
import io.branchwork.auth.Tokens;
import io.branchwork.contract.AllocatorClient;
import io.branchwork.contract.ClientOps;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.Role;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Bus;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * One WebSocket connection. Its static part is the authenticated user and token; its dynamic
 * part the open workspace, the role there and the subscription to its events. It keeps the
 * ids of its requests in flight, and on close gives back everything it took: its workspace
 * reference, its presence (so others see {@code left}), its subscription and its slot.
 */
final class ClientSession {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClientSession.class);

  private final Vertx vertx;
  private final Services services;
  private final ServerWebSocket ws;
  private final WebSocketGateway gateway;
  private final String holder = "ws-" + UUID.randomUUID();
  private final Set<Long> inFlight = new HashSet<>();
  private final AllocatorClient allocator;

  private String user;
  private String tokenHash;
  private long tokenExpiresAt = Long.MAX_VALUE;
  private long lastSeen = System.currentTimeMillis();
  private long authTimer = -1;
  private boolean closed;
  /** Whether this connection holds one of its user's connection slots. */
  private boolean counted;
  /** Auths run one after another, so two at once cannot both find the session unauthenticated. */
  private Future<?> authing = Future.succeededFuture();

  private WorkspaceKey openKey;
  private Role role;
  private MessageConsumer<JsonObject> events;
  /** Opens and closes run one after another, so a session never holds two workspaces. */
  private Future<?> switching = Future.succeededFuture();

  ClientSession(Vertx vertx, Services services, ServerWebSocket ws, WebSocketGateway gateway) {
    this.vertx = vertx;
    this.services = services;
    this.ws = ws;
    this.gateway = gateway;
    this.allocator = new AllocatorClient(vertx, services.config().requestTimeoutMs);
  }

  /** Starts serving; {@code bearer} is the token the upgrade carried, or null. */
  void start(String bearer) {
    ws.binaryMessageHandler(this::onFrame);
    ws.textMessageHandler(t -> ws.close((short) 1003, "binary MessagePack frames only"));
    ws.pongHandler(b -> lastSeen = System.currentTimeMillis());
    ws.exceptionHandler(this::onError);
    ws.closeHandler(v -> cleanUp());
    if (bearer == null) {
      authTimer = vertx.setTimer(services.config().authTimeoutMs, id -> {
        if (this.user == null) {
          ws.close((short) 1008, "authentication timeout");
        }
      });
      return;
    }
    ws.pause();
    auth(bearer).onComplete(ar -> {
      if (ar.succeeded()) {
        ws.resume();
      } else if (Failures.normalize(ar.cause()).code() == ErrorCode.OVERLOADED) {
        ws.close((short) 1013, "too many connections for this user");
      } else {
        ws.close((short) 1008, "the bearer token is not valid");
      }
    });
  }

  /**
   * Vert.x reports a message past {@code limits.maxFrameBytes} (sent as several frames) through
   * the exception handler and drops it; the contract wants the connection closed with 1009.
   * A single over-size frame is closed with 1009 by the WebSocket decoder itself.
   */
  private void onError(Throwable e) {
    if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("max message size")) {
      ws.close((short) 1009, "frame larger than " + services.config().maxFrameBytes + " bytes");
    }
  }

  String user() {
    return user;
  }

  String tokenHash() {
    return tokenHash;
  }

  WorkspaceKey openKey() {
    return openKey;
  }

  /**
   * Called by the gateway's sweep: closes an idle or expired connection, and pings one that has
   * been quiet for a ping interval (never one that just connected, whose client may still be
   * finishing its handshake).
   */
  void sweep(long now) {
    long quiet = now - lastSeen;
    if (quiet > services.config().wsIdleTimeoutMs) {
      ws.close((short) 1001, "idle");
    } else if (user != null && now >= tokenExpiresAt) {
      ws.close((short) 1008, "token expired");
    } else if (quiet >= services.config().wsPingIntervalMs) {
      ws.writePing(Buffer.buffer());
    }
  }

  void kick(short code, String reason) {
    ws.close(code, reason);
  }

  /** Re-reads the role after a membership change; losing access closes the workspace. */
  void refreshRole() {
    WorkspaceKey key = openKey;
    if (key == null) {
      return;
    }
    services.store().role(key.project(), user).onSuccess(r -> {
      if (!key.equals(openKey)) {
        return;
      }
      if (r.isPresent()) {
        role = r.get();
      } else {
        send(new JsonObject().put(Events.FIELD_EVENT, Events.CLOSING).put(Events.FIELD_REASON, Events.REASON_ACCESS_REVOKED));
        switching = switching.transform(ar -> leave());
      }
    });
  }

  private void authenticated(String user, String token, long expiresAt) {
    this.user = user;
    this.tokenHash = Tokens.hash(token);
    this.tokenExpiresAt = expiresAt;
    vertx.cancelTimer(authTimer);
  }

  // --- frames

  private void onFrame(Buffer frame) {
    lastSeen = System.currentTimeMillis();
    JsonObject req;
    try {
      req = WireCodec.decode(frame);
    } catch (BranchworkException e) {
      sendError(null, e);
      return;
    }
    Object idValue = req.getValue(ClientOps.FIELD_ID);
    if (!(idValue instanceof Long id) || id <= 0) {
      sendError(null, BranchworkException.badRequest("'id' must be a positive integer"));
      return;
    }
    if (inFlight.contains(id)) {
      sendError(null, BranchworkException.badRequest("request " + id + " is already in flight"));
      return;
    }
    if (inFlight.size() >= services.config().wsMaxInFlight) {
      sendError(id, new BranchworkException(ErrorCode.OVERLOADED,
          "more than " + services.config().wsMaxInFlight + " requests in flight"));
      return;
    }
    inFlight.add(id);
    Future<JsonObject> result;
    try {
      result = dispatch(req);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      inFlight.remove(id);
      if (ar.succeeded()) {
        send(new JsonObject().put("id", id).put("ok", true).put("result", ar.result()));
      } else {
        sendError(id, ar.cause());
      }
    });
  }

  private Future<JsonObject> dispatch(JsonObject req) {
    String op = Args.string(req, ClientOps.FIELD_OP);
    if (op.equals(ClientOps.AUTH)) {
      return auth(Args.string(req, ClientOps.FIELD_TOKEN));
    }
    if (user == null) {
      throw BranchworkException.unauthenticated("the first request must be auth");
    }
    switch (op) {
      case ClientOps.PING:
        return Future.succeededFuture(new JsonObject());
      case ClientOps.OPEN: {
        WorkspaceKey key = new WorkspaceKey(Args.string(req, ClientOps.FIELD_PROJECT), Args.string(req, ClientOps.FIELD_BRANCH));
        return serialized(() -> open(key));
      }
      case ClientOps.CLOSE:
        return serialized(() -> leave().map(new JsonObject()));
      default:
        // An op sent while the session moves (a reopen after a rename) goes to where it lands.
        return switching.isComplete() ? forward(op, req) : switching.transform(ar -> forward(op, req));
    }
  }

  /**
   * Signs the connection in. A later {@code auth} may refresh the token of the same user (a client
   * renewing before expiry); another user's token is refused with {@code forbidden}: the open
   * workspace and its role were checked for the first user, and must not pass to a second.
   */
  private Future<JsonObject> auth(String token) {
    Future<JsonObject> next = authing.transform(ignored -> services.auth().session(token).map(t -> {
      if (closed) {
        // cleanUp has run and given back what the session held: take nothing more
        throw BranchworkException.unauthenticated("the connection closed");
      }
      if (user != null && !user.equals(t.username())) {
        throw BranchworkException.forbidden("this connection is signed in as " + user
            + "; open a new connection to act as another user");
      }
      if (!counted) {
        services.quotas().connect(t.username());
        counted = true;
      }
      authenticated(t.username(), token, t.expiresAt());
      return new JsonObject().put("user", t.username());
    }));
    authing = next;
    return next;
  }

  private Future<JsonObject> forward(String op, JsonObject req) {
    Role needed = ClientOps.workspaceRole(op);
    if (needed == null) {
      throw BranchworkException.badRequest("unknown op '" + op + "'");
    }
    WorkspaceKey key = openKey;
    if (key == null) {
      throw new BranchworkException(ErrorCode.NO_WORKSPACE, "open a workspace first");
    }
    if (!role.allows(needed)) {
      throw BranchworkException.forbidden(op + " needs the " + needed.wire() + " role");
    }
    req.remove(ClientOps.FIELD_ID);
    req.put(WorkspaceOps.FIELD_USER, user).put(WorkspaceOps.FIELD_HOLDER, holder);
    return Bus.request(vertx, key.address(), req, services.config().requestTimeoutMs).map(result -> {
      if (op.equals(WorkspaceOps.READ) && result.containsKey("content")) {
        // Over a cluster the bytes arrive as base64; clients always get binary.
        result.put("content", result.getBinary("content"));
      }
      if (op.equals(WorkspaceOps.BRANCH_RENAME) && key.equals(openKey)) {
        reopen(new WorkspaceKey(key.project(), result.getString("name")));
      }
      return result;
    });
  }

  // --- open and close

  private <T> Future<T> serialized(java.util.function.Supplier<Future<T>> step) {
    Future<T> next = switching.transform(ar -> step.get());
    switching = next;
    return next;
  }

  private Future<JsonObject> open(WorkspaceKey key) {
    return services.auth().requireRole(key.project(), user, Role.READER).compose(r ->
        leave().compose(v -> {
          services.quotas().hold(user, key);
          MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(key.eventAddress(), m -> onEvent(key, m.body()));
          return consumer.completion()
              .compose(x -> allocator.register(key, holder, services.config().loadTimeoutMs))
              .compose(registered -> Bus.request(vertx, key.address(), WorkspaceOps.sessionJoin(user, holder),
                  services.config().requestTimeoutMs)
                  .map(joined -> {
                    if (closed) {
                      throw new BranchworkException(ErrorCode.NO_WORKSPACE, "the connection closed");
                    }
                    openKey = key;
                    role = r;
                    events = consumer;
                    return new JsonObject().put("project", key.project()).put("branch", key.branch())
                        .put("head", joined.getString("head")).put("address", key.address());
                  }))
              .recover(e -> {
                consumer.unregister();
                services.quotas().release(user, key);
                return deregister(key).transform(ar -> Future.failedFuture(e));
              });
        }));
  }

  /** Leaves the open workspace, if any: presence, subscription, reference. Never fails. */
  private Future<Void> leave() {
    WorkspaceKey key = openKey;
    if (key == null) {
      return Future.succeededFuture();
    }
    forget(key);
    return Bus.request(vertx, key.address(), WorkspaceOps.sessionLeave(user, holder), services.config().requestTimeoutMs)
        .transform(ar -> deregister(key));
  }

  private Future<Void> deregister(WorkspaceKey key) {
    return allocator.deregister(key, holder).transform(ar -> Future.succeededFuture());
  }

  /**
   * The open branch was renamed and its workspace closed: the session opens the new name for its
   * client, and ops sent meanwhile wait for that. If the reopen fails the session has no workspace.
   */
  private void reopen(WorkspaceKey to) {
    serialized(() -> open(to).<Void>mapEmpty().recover(e -> {
      LOG.debug("session of {} could not reopen {} after a rename: {}", user, to, e.toString());
      return Future.succeededFuture();
    }));
  }

  private void onEvent(WorkspaceKey key, JsonObject event) {
    if (!key.equals(openKey)) {
      return;
    }
    if (holder.equals(event.getString("origin"))) {
      return;
    }
    JsonObject out = event.copy();
    out.remove("origin");
    String type = event.getString("event");
    boolean renameClosing = Events.CLOSING.equals(type)
        && Events.REASON_RENAMED.equals(event.getString("reason"));
    if ((Events.RENAMED.equals(type) || renameClosing) && event.getValue(Events.FIELD_BRANCH) instanceof String to) {
      // 'renamed' for clients of the first contract, then the 'closing' of close-and-reopen; the
      // session reopens the new name itself, so the workspace's own 'closing' is not awaited.
      if (!renameClosing) {
        send(out);
      }
      send(new JsonObject().put(Events.FIELD_EVENT, Events.CLOSING).put(Events.FIELD_REASON, Events.REASON_RENAMED)
          .put(Events.FIELD_BRANCH, to));
      reopen(new WorkspaceKey(key.project(), to));
      return;
    }
    send(out);
    if (Events.CLOSING.equals(event.getString("event"))) {
      // The allocator dropped every reference along with the workspace.
      forget(key);
    }
  }

  /** Drops the session's side of an open workspace: key, role, subscription and the user's hold. */
  private void forget(WorkspaceKey key) {
    openKey = null;
    role = null;
    if (events != null) {
      events.unregister();
      events = null;
    }
    services.quotas().release(user, key);
  }

  Future<Void> cleanUp() {
    if (closed) {
      return switching.transform(ar -> Future.succeededFuture());
    }
    closed = true;
    vertx.cancelTimer(authTimer);
    gateway.closed(this);
    if (counted) {
      services.quotas().disconnect(user);
    }
    Future<Void> left = serialized(this::leave);
    return left;
  }

  // --- output

  private void send(JsonObject message) {
    if (!closed) {
      ws.writeBinaryMessage(WireCodec.encode(message));
    }
  }

  private void sendError(Long id, Throwable t) {
    BranchworkException e = Failures.normalize(t);
    JsonObject msg = new JsonObject();
    if (id != null) {
      msg.put("id", id);
    }
    send(msg.put("ok", false).put("error", Failures.toJson(e)));
  }
}
