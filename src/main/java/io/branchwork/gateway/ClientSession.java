package io.branchwork.gateway;

import io.branchwork.auth.Principal;
import io.branchwork.auth.Tokens;
import io.branchwork.contract.ClientOps;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.views.ReadView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * One WebSocket connection: frames in and out, the authenticated user and token, the ids of its
 * requests in flight, pings and expiry. The workspace it has open is a {@link SessionWorkspace}.
 * On close it gives back everything it took: its workspace (reference, presence, subscription,
 * the user's hold) and its connection slots.
 */
final class ClientSession {

  private final Vertx vertx;
  private final Gateways gateways;
  private final ServerWebSocket ws;
  private final WebSocketGateway gateway;
  private final String holder = "ws-" + UUID.randomUUID();
  private final Set<Long> inFlight = new HashSet<>();

  private Principal principal;
  private String tokenHash;
  private long lastSeen = System.currentTimeMillis();
  private long authTimer = -1;
  private boolean closed;
  /** Whether this connection holds one of its user's connection slots. */
  private boolean counted;
  /** Auths run one after another, so two at once cannot both find the session unauthenticated. */
  private Future<?> authing = Future.succeededFuture();

  /** The workspace this session has open (or none), and the moves between workspaces. */
  private final SessionWorkspace workspace;

  ClientSession(Vertx vertx, Gateways gateways, ServerWebSocket ws, WebSocketGateway gateway) {
    this.vertx = vertx;
    this.gateways = gateways;
    this.ws = ws;
    this.gateway = gateway;
    this.workspace = new SessionWorkspace(vertx, gateways, gateway.feeds(), holder, () -> principal, this::send,
        () -> closed);
  }

  /** Starts serving; {@code bearer} is the token the upgrade carried, or null. */
  void start(String bearer) {
    ws.binaryMessageHandler(this::onFrame);
    ws.textMessageHandler(t -> ws.close((short) 1003, "binary MessagePack frames only"));
    ws.pongHandler(b -> lastSeen = System.currentTimeMillis());
    ws.exceptionHandler(this::onError);
    ws.closeHandler(v -> cleanUp());
    if (bearer == null) {
      authTimer = vertx.setTimer(gateways.limits().authTimeoutMs(), id -> {
        if (this.principal == null) {
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
      ws.close((short) 1009, "frame larger than " + gateways.limits().maxFrameBytes() + " bytes");
    }
  }

  String user() {
    return principal == null ? null : principal.username();
  }

  String tokenHash() {
    return tokenHash;
  }

  WorkspaceKey openKey() {
    return workspace.key();
  }

  /**
   * Called by the gateway's sweep: closes an idle or expired connection, and pings one that has
   * been quiet for a ping interval (never one that just connected, whose client may still be
   * finishing its handshake).
   */
  void sweep(long now) {
    long quiet = now - lastSeen;
    if (quiet > gateways.limits().idleTimeoutMs()) {
      ws.close((short) 1001, "idle");
    } else if (principal != null && now >= principal.expiresAt()) {
      ws.close((short) 1008, "token expired");
    } else if (quiet >= gateways.limits().pingIntervalMs()) {
      ws.writePing(Buffer.buffer());
    }
  }

  void kick(short code, String reason) {
    ws.close(code, reason);
  }

  /** Re-reads the role after a membership change; losing access closes the workspace. */
  void refreshRole() {
    workspace.refreshRole();
  }

  /** Tells the client that its user's projects or roles changed ({@code projects} event). */
  void projectsChanged(String project) {
    send(new JsonObject().put(Events.FIELD_EVENT, Events.PROJECTS).put(Events.FIELD_PROJECT, project));
  }

  private void authenticated(Principal who, String token) {
    this.principal = who;
    this.tokenHash = Tokens.hash(token);
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
    Object idValue = req.getMap().get(ClientOps.FIELD_ID);
    if (!(idValue instanceof Long id) || id <= 0) {
      sendError(null, BranchworkException.badRequest("'id' must be a positive integer"));
      return;
    }
    if (inFlight.contains(id)) {
      sendError(null, BranchworkException.badRequest("request " + id + " is already in flight"));
      return;
    }
    if (inFlight.size() >= gateways.limits().maxInFlight()) {
      sendError(id, BranchworkException.overloaded(
          "more than " + gateways.limits().maxInFlight() + " requests in flight"));
      return;
    }
    if (principal != null && WorkspaceOps.READ.equals(req.getMap().get(ClientOps.FIELD_OP))) {
      ReadView.File local = workspace.readLocally(req);
      if (local != null) {
        // The warm read: answered on this event loop, the frame written straight from the view.
        if (!closed) {
          ws.writeBinaryMessage(WireCodec.readAnswer(id, local.bytes(), local.blob()));
        }
        return;
      }
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
    if (principal == null) {
      throw BranchworkException.unauthenticated("the first request must be auth");
    }
    switch (op) {
      case ClientOps.PING:
        return Future.succeededFuture(new JsonObject());
      case ClientOps.OPEN:
        long since = Args.optLong(req, ClientOps.FIELD_SINCE, -1, 0, Long.MAX_VALUE);
        return workspace.open(new WorkspaceKey(Args.string(req, ClientOps.FIELD_PROJECT),
            Args.string(req, ClientOps.FIELD_BRANCH)), since < 0 ? null : since);
      case ClientOps.CLOSE:
        return workspace.close().map(new JsonObject());
      default:
        return workspace.forward(op, req);
    }
  }

  /**
   * Signs the connection in. A later {@code auth} may refresh the token of the same user (a client
   * renewing before expiry); another user's token is refused with {@code forbidden}: the open
   * workspace and its role were checked for the first user, and must not pass to a second.
   */
  private Future<JsonObject> auth(String token) {
    Future<JsonObject> next = authing.transform(ignored -> gateways.auth().authenticate(token).map(t -> {
      if (closed) {
        // cleanUp has run and given back what the session held: take nothing more
        throw BranchworkException.unauthenticated("the connection closed");
      }
      if (principal != null && (!principal.username().equals(t.username()) || principal.scope() != t.scope())) {
        // The open workspace and its role were checked for the first token's user and scope.
        throw BranchworkException.forbidden("this connection is signed in as " + principal.username()
            + " with a " + principal.scope().wire() + " token; open a new connection to act otherwise");
      }
      if (!counted) {
        gateways.quotas().connect(t.username());
        counted = true;
      }
      authenticated(t, token);
      return new JsonObject().put("user", t.username());
    }));
    authing = next;
    return next;
  }

  Future<Void> cleanUp() {
    if (closed) {
      return workspace.close();
    }
    closed = true;
    vertx.cancelTimer(authTimer);
    gateway.closed(this);
    if (counted) {
      gateways.quotas().disconnect(principal.username());
    }
    return workspace.close();
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
