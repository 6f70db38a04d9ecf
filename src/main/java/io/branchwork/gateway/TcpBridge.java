package io.branchwork.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PfxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge ({@code bridge.tcp.port}, off by default): services in any language
 * use the workspaces and their events with the Vert.x TCP bridge's frame format and clients
 * ({@link TcpBridgeConnection}), under the same rules as the SockJS bridge ({@link BridgeRules}):
 * the {@code token} header on every message, the role checked, {@code user} set by the server,
 * only the contract's addresses. TLS when {@code bridge.tcp.tls.keyStore} names a PKCS#12 file.
 * Connections count against {@code ws.maxConnections} with the other doors.
 */
public final class TcpBridge extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TcpBridge.class);

  /** Where it listens, and its TLS key store (empty: plain TCP). */
  public record Settings(String host, int port, String keyStore, String keyStorePassword) {}

  private final Gateways gateways;
  private final Settings settings;
  private BridgeRules rules;
  private NetServer server;

  public TcpBridge(Gateways gateways, Settings settings) {
    this.gateways = gateways;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    rules = new BridgeRules(vertx, gateways, "tcp");
    NetServerOptions options = new NetServerOptions().setHost(settings.host()).setPort(settings.port())
        .setIdleTimeout((int) Math.max(1, gateways.limits().idleTimeoutMs() / 1000));
    if (!settings.keyStore().isEmpty()) {
      options.setSsl(true).setKeyCertOptions(new PfxOptions().setPath(settings.keyStore())
          .setPassword(settings.keyStorePassword()));
    }
    server = vertx.createNetServer(options).connectHandler(socket -> {
      if (!rules.opened(socket, socket::close)) {
        socket.close();
        return;
      }
      new TcpBridgeConnection(vertx, socket, rules, gateways.limits()).start();
    });
    return rules.start().compose(v -> server.listen()).onSuccess(s -> LOG.info("tcp event-bus bridge on {}:{}{}",
        settings.host(), s.actualPort(), settings.keyStore().isEmpty() ? "" : " (TLS)"));
  }

  /** The port it listens on (useful with a port chosen by the system in tests). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server.close().transform(ar -> rules.stop());
  }
}
