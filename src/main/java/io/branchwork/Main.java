package io.branchwork;

import io.branchwork.cluster.ClusterSetup;
import io.branchwork.config.Config;
import io.branchwork.config.ConfigException;
import io.branchwork.config.ConfigLoader;
import io.branchwork.config.Help;
import io.branchwork.metrics.BranchworkMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar branchwork.jar [--conf FILE] [--help]}: one node (a cluster member when
 * {@code cluster.enabled}), until the process is told to stop.
 */
public final class Main {

  private static final long SHUTDOWN_TIMEOUT_S = 60;

  private Main() {}

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    Logger log = LoggerFactory.getLogger(Main.class);
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(Help.text());
      return;
    }
    Config config;
    try {
      config = ConfigLoader.load(confFile(args), System.getenv());
    } catch (ConfigException | IllegalArgumentException e) {
      log.error("cannot start: {}", e.getMessage());
      System.exit(2);
      return;
    }
    BranchworkMetrics metrics = new BranchworkMetrics();
    Vertx vertx = null;
    Node node;
    try {
      HazelcastClusterManager cluster = null;
      if (config.clusterEnabled) {
        ClusterSetup.ClusteredVertx clustered = ClusterSetup.start(builder(metrics, ClusterSetup.eventBus(config)),
            config).await(config.loadTimeoutMs, TimeUnit.MILLISECONDS);
        vertx = clustered.vertx();
        cluster = clustered.manager();
      } else {
        vertx = newVertx(metrics);
      }
      node = Node.start(vertx, config, metrics, cluster).await(config.loadTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.error("cannot start: {}", e.getMessage());
      log.debug("start failure", e);
      if (vertx != null) {
        vertx.close();
      }
      System.exit(1);
      return;
    }
    Vertx running = vertx;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().await(SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("shutdown did not finish cleanly: {}", e.toString());
      }
      try {
        running.close().await(SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("Vert.x did not close cleanly: {}", e.toString());
      }
    }, "branchwork-shutdown"));
  }

  /** A Vert.x instance that reports its own metrics to Branchwork's Prometheus registry. */
  public static Vertx newVertx(BranchworkMetrics metrics) {
    return builder(metrics, new EventBusOptions()).build();
  }

  /** A builder for a Vert.x instance like {@link #newVertx}, to be built clustered or not. */
  public static VertxBuilder builder(BranchworkMetrics metrics, EventBusOptions eventBus) {
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metricsOptions).setEventBusOptions(eventBus))
        .withMetrics(new MicrometerMetricsFactory(metrics.registry()));
  }

  private static Path confFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--conf")) {
        if (i + 1 >= args.length) {
          throw new ConfigException("--conf", "needs a file name");
        }
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--conf=")) {
        return Path.of(args[i].substring("--conf=".length()));
      }
      throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: branchwork [--conf FILE] [--help]");
    }
    return null;
  }
}
