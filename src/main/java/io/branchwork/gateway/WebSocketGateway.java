package io.branchwork.gateway;

import io.branchwork.contract.Addresses;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code /ws} front door of one HTTP verticle: upgrades (within {@code ws.maxConnections}),
 * optional bearer auth at the upgrade, one {@link ClientSession} per connection, a sweep that
 * pings and closes idle connections, and the fan-out of token revocations and role changes.
 */
public final class WebSocketGateway {

  public static final String PATH = "/ws";

  private final Vertx vertx;
  private final Gateways gateways;
  private final Set<ClientSession> sessions = new HashSet<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private long sweepTimer = -1;
  /** Workspace events for this instance's sessions: one bus subscription per workspace, not one per session. */
  private final EventFeeds feeds;

  public WebSocketGateway(Vertx vertx, Gateways gateways) {
    this.vertx = vertx;
    this.gateways = gateways;
    this.feeds = new EventFeeds(vertx);
  }

  EventFeeds feeds() {
    return feeds;
  }

  public void mount(Router router) {
    router.get(PATH).handler(this::upgrade);
  }

  public Future<Void> start() {
    consumers.add(vertx.eventBus().consumer(Addresses.TOKEN_REVOKED, m -> {
      String hash = m.body().getString("tokenHash");
      for (ClientSession s : List.copyOf(sessions)) {
        if (hash != null && hash.equals(s.tokenHash())) {
          s.kick((short) 1008, "token revoked");
        }
      }
    }));
    consumers.add(vertx.eventBus().consumer(Addresses.MEMBER_CHANGED, m -> {
      String project = m.body().getString("project");
      String username = m.body().getString("username");
      for (ClientSession s : sessions) {
        if (username == null || !username.equals(s.user())) {
          continue;
        }
        // The user's project list changed: every page of theirs lists it again, without a reload.
        s.projectsChanged(project);
        if (s.openKey() != null && s.openKey().project().equals(project)) {
          s.refreshRole();
        }
      }
    }));
    sweepTimer = vertx.setPeriodic(gateways.limits().pingIntervalMs(), id -> {
      long now = System.currentTimeMillis();
      for (ClientSession s : List.copyOf(sessions)) {
        s.sweep(now);
      }
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Closes every connection and waits until each has given back its workspace reference. */
  public Future<Void> stop() {
    vertx.cancelTimer(sweepTimer);
    consumers.forEach(MessageConsumer::unregister);
    List<Future<Void>> cleaned = new ArrayList<>();
    for (ClientSession s : List.copyOf(sessions)) {
      s.kick((short) 1001, "server shutting down");
      cleaned.add(s.cleanUp());
    }
    return Future.join(cleaned).mapEmpty();
  }

  /** Called once per session, when its connection closes. */
  void closed(ClientSession s) {
    sessions.remove(s);
    gateways.connections().release();
  }

  private void upgrade(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String header = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null && !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      refuse(ctx, BranchworkException.unauthenticated("Authorization must be a bearer token"));
      return;
    }
    if (!gateways.connections().tryAcquire()) {
      refuse(ctx, BranchworkException.overloaded("this node has no room for more connections"));
      return;
    }
    // The upgrade must be accepted in this same turn; a bearer token is checked right after,
    // with the socket paused so that no frame is read before the user is known.
    req.toWebSocket()
        .onSuccess(ws -> {
          ClientSession s = new ClientSession(vertx, gateways, ws, this);
          sessions.add(s);
          s.start(header == null ? null : header.substring(7).trim());
        })
        .onFailure(e -> {
          gateways.connections().release();
          refuse(ctx, BranchworkException.badRequest("not a WebSocket upgrade"));
        });
  }

  private static void refuse(RoutingContext ctx, Throwable t) {
    if (ctx.response().ended()) {
      return;
    }
    BranchworkException e = Failures.normalize(t);
    ctx.response().setStatusCode(e.code().status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Failures.toJson(e).encode());
  }
}
