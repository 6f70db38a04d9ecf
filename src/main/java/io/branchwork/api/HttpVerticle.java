package io.branchwork.api;

import io.branchwork.Services;
import io.branchwork.auth.AccessTokens;
import io.branchwork.gateway.EventBusBridge;
import io.branchwork.gateway.Gateways;
import io.branchwork.gateway.WebSocketGateway;
import io.branchwork.githttp.GitHttpRoutes;
import io.branchwork.web.WorkbenchRoutes;
import io.branchwork.workspace.snapshot.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP server instance (deployed once per event loop, all sharing the port): the workbench page, the REST API,
 * {@code /health}, {@code /metrics}, the {@code /ws} WebSocket gateway and the {@code /eventbus}
 * SockJS bridge. Starts only once the server is listening.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  private final Services services;
  private HttpServer server;
  private WebSocketGateway gateway;
  private EventBusBridge bridge;

  public HttpVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    BodyHandler json = BodyHandler.create(false).setBodyLimit(services.config().maxJsonBodyBytes);
    SnapshotService snapshots = new SnapshotService(vertx, services.store(), services.tmpRoot(),
        SnapshotService.Settings.of(services.config()));
    AccountRoutes accounts = new AccountRoutes(services.auth(), services.config().openRegistration);
    accounts.mount(router, json);
    new TokenRoutes(new AccessTokens(vertx, services.store(), services.config().accessTokenMaxDays))
        .mount(router, json, accounts::authenticate);
    new ProjectRoutes(services.store(), services.auth(), snapshots).mount(router, json, accounts::authenticate);
    new SnapshotRoutes(vertx, services.auth(), services.store(), services.tmpRoot(), services.config().maxSnapshotBytes,
        snapshots).mount(router, accounts::authenticate);
    new GitHttpRoutes(vertx, services).mount(router);
    new WorkbenchRoutes(services.workbench()).mount(router);
    new OpsRoutes(vertx, services.store(), services.ownership(), services.metrics(), services.config().nodeTag,
        services.config().metricsToken).mount(router);
    Gateways doors = Gateways.of(services);
    gateway = new WebSocketGateway(vertx, doors);
    gateway.mount(router);
    bridge = new EventBusBridge(vertx, doors);
    bridge.mount(router);
    router.route().failureHandler(ApiSupport::failureHandler);
    // No route at all (404) or none for the method (405): the same JSON error body.
    router.errorHandler(404, ApiSupport::failureHandler);
    router.errorHandler(405, ApiSupport::failureHandler);

    HttpServerOptions options = new HttpServerOptions()
        .setHost(services.config().httpHost)
        .setPort(services.config().httpPort)
        .setMaxWebSocketFrameSize(services.config().maxFrameBytes)
        .setMaxWebSocketMessageSize(services.config().maxFrameBytes);
    return gateway.start()
        .compose(v -> bridge.start())
        .compose(v -> vertx.createHttpServer(options).requestHandler(router).listen())
        .onSuccess(s -> {
          server = s;
          LOG.debug("HTTP instance listening on {}:{}", services.config().httpHost, s.actualPort());
        });
  }

  @Override
  public Future<?> stop() {
    // Close the connections first, so each gives its workspace reference back while the
    // allocator still runs; the server itself is closed by the undeploy.
    return Future.join(gateway.stop(), bridge.stop()).mapEmpty();
  }

  /** The port this instance listens on (useful with {@code http.port} 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
