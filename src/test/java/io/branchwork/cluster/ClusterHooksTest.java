package io.branchwork.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.branchwork.support.Await;
import io.branchwork.support.ForkedNode;
import io.branchwork.support.HookReceiver;
import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks in a two-node cluster: node A (its own JVM) makes the changes while the receiver does
 * not answer, so its deliveries are in flight or waiting for a retry when A is killed with
 * SIGKILL; node B, which never saw the changes, sends every one of them.
 */
@Timeout(240)
class ClusterHooksTest {

  @TempDir
  Path dir;

  private Pg.TestSchema schema;
  private ForkedNode a;
  private TestNode b;
  private final Vertx client = Vertx.vertx();

  @BeforeEach
  void setUp() {
    schema = new Pg.TestSchema();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    client.close().await(10, TimeUnit.SECONDS);
    schema.close();
  }

  private JsonObject conf(String tag, int clusterPort, String members) {
    return schema.nodeConfig()
        .put("node", new JsonObject().put("tag", tag))
        .put("hooks", new JsonObject().put("allowPrivateTargets", true).put("timeoutMs", 1000).put("retryFirstMs", 200)
            .put("pollMs", 200))
        .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", clusterPort)
            .put("members", members).put("heartbeatMs", 1000).put("failureTimeoutMs", 3000));
  }

  @Test
  @DisplayName("Verifies that when the node that made the changes is killed with SIGKILL mid-delivery, the other node of the cluster delivers every acknowledged commit's event")
  void survivorDelivers() throws Exception {
    int clusterA = TestNode.freePort();
    int clusterB = TestNode.freePort();
    String members = "127.0.0.1:" + clusterA + ",127.0.0.1:" + clusterB;
    a = new ForkedNode(Files.createDirectories(dir.resolve("a")), "256m", conf("node-a", clusterA, members))
        .start(0);
    b = TestNode.startClustered(dir.resolve("b"), conf("node-b", clusterB, members));
    Await.until("node B to see node A", 30_000, () -> b.node.services().ownership().liveNodes().size() == 2);

    HookReceiver receiver = new HookReceiver(client).answering(x -> -1);
    Set<String> arrived = ConcurrentHashMap.newKeySet();
    try {
      Set<String> acknowledged = receiver.aliceCommits(client, a.http, a.port, "/", 10);
      Await.until("deliveries in flight at the receiver", 10_000, () -> !receiver.arrivals.isEmpty());
      a.kill();
      receiver.recordAfters(arrived);
      Await.until("node B to deliver every acknowledged commit's event", 60_000, () -> arrived.containsAll(acknowledged));
      assertEquals(10, acknowledged.size());
    } finally {
      receiver.close();
    }
  }
}
