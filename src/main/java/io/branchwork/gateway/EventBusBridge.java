package io.branchwork.gateway;

import io.branchwork.Services;
import io.branchwork.allocator.AllocatorOps;
import io.branchwork.core.Addresses;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Role;
import io.branchwork.workspace.WorkspaceOps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, for browsers using the stock Vert.x client.
 * Inbound: {@code allocator} (register, deregister, lookup) and workspace addresses (the client
 * ops only), each message checked for its {@code token} header and the user's role, with
 * {@code user} set by the server. Outbound: event addresses of projects the user may read.
 * References a socket took with {@code register} are dropped when the socket closes.
 */
public final class EventBusBridge {

  public static final String PATH = "/eventbus";
  private static final Logger LOG = LoggerFactory.getLogger(EventBusBridge.class);
  private static final Set<String> ALLOCATOR_OPS = Set.of(AllocatorOps.REGISTER, AllocatorOps.DEREGISTER,
      AllocatorOps.LOOKUP);

  private final Vertx vertx;
  private final Services services;
  /** One open socket: its holder prefix and the (key, holder) references it registered. */
  private static final class SocketState {
    final String holder = "sockjs-" + java.util.UUID.randomUUID();
    final Set<Map.Entry<WorkspaceKey, String>> references = new HashSet<>();
    /** Hashes of the tokens this socket's messages were let through with. */
    final Set<String> tokens = new HashSet<>();
  }

  private final Map<SockJSSocket, SocketState> sockets = new HashMap<>();

  public EventBusBridge(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
  }

  /** Closes sockets whose token was revoked, so their subscriptions end with it. */
  public Future<Void> start() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.TOKEN_REVOKED, m -> {
      String hash = m.body().getString("tokenHash");
      for (Map.Entry<SockJSSocket, SocketState> e : new HashMap<>(sockets).entrySet()) {
        if (hash != null && e.getValue().tokens.contains(hash)) {
          e.getKey().close();
        }
      }
    }).completion();
  }

  public void mount(Router router) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ALLOCATOR))
        // where inbound() redirects allocator requests; a client naming it directly is refused there
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ALLOCATOR_LOCAL))
        .addInboundPermitted(new PermittedOptions().setAddressRegex("workspace\\..+"))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex("events\\.workspace\\..+"))
        .setReplyTimeout(services.config().requestTimeoutMs)
        .setPingTimeout(services.config().wsIdleTimeoutMs);
    SockJSHandler handler = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setRegisterWriteHandler(false));
    router.route(PATH + "/*").subRouter(handler.bridge(options, this::onEvent));
  }

  private void onEvent(BridgeEvent event) {
    switch (event.type()) {
      case SEND -> check(event, this::inbound);
      case REGISTER -> check(event, this::register);
      case PUBLISH -> event.complete(false);
      case SOCKET_CLOSED -> {
        dropReferences(event.socket());
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }

  private void check(BridgeEvent event, java.util.function.BiFunction<BridgeEvent, String, Future<Void>> rule) {
    JsonObject raw = event.getRawMessage();
    JsonObject headers = raw == null ? null : raw.getJsonObject("headers");
    String token = headers == null ? null : headers.getString("token");
    services.auth().authenticate(token)
        .compose(user -> rule.apply(event, user))
        .onSuccess(v -> sockets.computeIfAbsent(event.socket(), x -> new SocketState()).tokens
            .add(io.branchwork.auth.Tokens.hash(token)))
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.debug("bridge refused {} to {}: {}", event.type(), raw == null ? null : raw.getString("address"),
                ar.cause().toString());
          }
          event.complete(ar.succeeded());
        });
  }

  /** A send to the allocator or a workspace: allowed op, right role, {@code user} set by us. */
  private Future<Void> inbound(BridgeEvent event, String user) {
    JsonObject raw = event.getRawMessage();
    String address = raw.getString("address");
    Object bodyValue = raw.getValue("body");
    if (!(bodyValue instanceof JsonObject body)) {
      return Future.failedFuture(BranchworkException.badRequest("the body must be a JSON object"));
    }
    String op = Args.string(body, "op");
    SocketState socket = sockets.computeIfAbsent(event.socket(), x -> new SocketState());
    String socketHolder = socket.holder;
    if (address.equals(Addresses.ALLOCATOR)) {
      if (!ALLOCATOR_OPS.contains(op)) {
        return Future.failedFuture(BranchworkException.forbidden("allocator op not allowed: " + op));
      }
      WorkspaceKey key = new WorkspaceKey(Args.string(body, "project"), Args.string(body, "branch"));
      // Holders are namespaced by socket, so a socket can neither drop nor fake another's reference.
      String clientHolder = body.getString("holder", "default");
      String holder = socketHolder + ":" + clientHolder;
      return services.auth().requireRole(key.project(), user, Role.READER).map(r -> {
        // The reference lives as long as this socket, on this node: a node's death releases it.
        body.put("holder", holder).put("user", user)
            .put(AllocatorOps.FIELD_ORIGIN, services.ownership().self())
            .put(AllocatorOps.FIELD_ORIGIN_TAG, services.ownership().selfTag());
        if (op.equals(AllocatorOps.REGISTER)) {
          socket.references.add(Map.entry(key, holder));
        } else if (op.equals(AllocatorOps.DEREGISTER)) {
          socket.references.remove(Map.entry(key, holder));
        }
        // Answered by this node's allocator, which forwards to the owner: in a cluster the
        // public address may pick any node, even, for a moment, one that has just died.
        event.setRawMessage(raw.put("body", body).put("address", Addresses.ALLOCATOR_LOCAL));
        return null;
      });
    }
    WorkspaceKey key = WorkspaceKey.fromAddress(address);
    Role needed = ClientOps.workspaceRole(op);
    if (key == null || needed == null || !address.startsWith(Addresses.WORKSPACE_PREFIX)) {
      return Future.failedFuture(BranchworkException.forbidden("not a workspace op: " + op));
    }
    return services.auth().requireRole(key.project(), user, needed).map(r -> {
      body.put(WorkspaceOps.FIELD_USER, user).put(WorkspaceOps.FIELD_HOLDER, socketHolder);
      event.setRawMessage(raw.put("body", body));
      return null;
    });
  }

  /** A subscription: only to event addresses of projects the user may read. */
  private Future<Void> register(BridgeEvent event, String user) {
    String address = event.getRawMessage().getString("address");
    WorkspaceKey key = address == null || !address.startsWith(Addresses.EVENTS_PREFIX) ? null
        : WorkspaceKey.fromAddress(address);
    if (key == null) {
      return Future.failedFuture(BranchworkException.forbidden("not an event address"));
    }
    return services.auth().requireRole(key.project(), user, Role.READER).mapEmpty();
  }

  private void dropReferences(SockJSSocket socket) {
    SocketState state = sockets.remove(socket);
    if (state == null) {
      return;
    }
    for (Map.Entry<WorkspaceKey, String> ref : state.references) {
      JsonObject dereg = new JsonObject().put("op", AllocatorOps.DEREGISTER).put("project", ref.getKey().project())
          .put("branch", ref.getKey().branch()).put("holder", ref.getValue());
      Bus.request(vertx, Addresses.ALLOCATOR_LOCAL, dereg, services.config().requestTimeoutMs);
    }
  }
}
