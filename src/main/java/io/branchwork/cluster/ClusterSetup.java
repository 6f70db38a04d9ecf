package io.branchwork.cluster;

import com.hazelcast.config.JoinConfig;
import io.branchwork.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Builds the Hazelcast cluster manager from Branchwork's {@code cluster.*} keys: TCP-IP join on
 * the listed members (multicast and auto-detection off), bound to {@code cluster.host} only,
 * and a failure detector tuned so that a dead member is removed in seconds rather than
 * Hazelcast's default minute. Each member carries its node tag as an attribute, so survivors
 * know whose session rows to wipe.
 */
public final class ClusterSetup {

  /** Hazelcast member attribute holding the node's {@code node.tag}. */
  public static final String TAG_ATTRIBUTE = "branchwork.tag";
  private static final String CLUSTER_NAME = "branchwork";

  private ClusterSetup() {}

  /** Starts a clustered Vert.x on {@code builder} (which already carries options and metrics). */
  public static Future<ClusteredVertx> start(VertxBuilder builder, Config config) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(config));
    return builder.withClusterManager(manager).buildClustered()
        .map(vertx -> new ClusteredVertx(vertx, manager));
  }

  /** The event-bus transport listens where Hazelcast does, so one address serves both. */
  public static EventBusOptions eventBus(Config config) {
    return new EventBusOptions().setHost(config.clusterHost).setPort(config.clusterBusPort);
  }

  static com.hazelcast.config.Config hazelcast(Config config) {
    // Start from Vert.x's own file: it declares the maps and multimaps the cluster manager needs.
    com.hazelcast.config.Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(CLUSTER_NAME);
    hz.getNetworkConfig().setPort(config.clusterPort).setPortAutoIncrement(false);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.clusterMembers);
    hz.getMemberAttributeConfig().setAttribute(TAG_ATTRIBUTE, config.nodeTag);
    hz.setProperty("hazelcast.local.localAddress", config.clusterHost);
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(seconds(config.clusterHeartbeatMs)));
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(seconds(config.clusterFailureTimeoutMs)));
    // A member that was briefly cut off merges back quickly instead of after five minutes.
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    // Vert.x leaves the cluster in its own close; Hazelcast's hook would race it.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    return hz;
  }

  private static long seconds(long ms) {
    return (ms + 999) / 1000;
  }

  /** A clustered Vert.x and the cluster manager it joined with. */
  public record ClusteredVertx(Vertx vertx, HazelcastClusterManager manager) {}
}
