package io.branchwork;

import io.branchwork.api.Api;
import io.branchwork.gateway.EventBusBridge;
import io.branchwork.gateway.Gateways;
import io.branchwork.gateway.WebSocketGateway;
import io.branchwork.githttp.GitHttpRoutes;
import io.branchwork.githttp.ProjectMirrors;
import io.branchwork.http.HttpSupport;
import io.branchwork.services.Services;
import io.branchwork.web.WorkbenchRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP server instance (deployed once per event loop, all sharing the port): the wiring of
 * every door onto one router (the REST API, git over HTTP, the workbench page, the {@code /ws}
 * WebSocket gateway and the {@code /eventbus} SockJS bridge). Starts only once the server is
 * listening.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  private final Services services;
  /** The projects' repositories git over HTTP serves, shared by every instance of the node. */
  private final ProjectMirrors mirrors;
  private HttpServer server;
  private WebSocketGateway gateway;
  private EventBusBridge bridge;

  public HttpVerticle(Services services, ProjectMirrors mirrors) {
    this.services = services;
    this.mirrors = mirrors;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    Api.mount(router, vertx, services);
    new GitHttpRoutes(vertx, services, mirrors).mount(router);
    new WorkbenchRoutes(services.workbench()).mount(router);
    Gateways doors = Gateways.of(services);
    gateway = new WebSocketGateway(vertx, doors);
    gateway.mount(router);
    bridge = new EventBusBridge(vertx, doors);
    bridge.mount(router);
    router.route().failureHandler(HttpSupport::failureHandler);
    // No route at all (404) or none for the method (405): the same JSON error body.
    router.errorHandler(404, HttpSupport::failureHandler);
    router.errorHandler(405, HttpSupport::failureHandler);

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
