package io.branchwork.durability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Await;
import io.branchwork.support.ForkedNode;
import io.branchwork.support.HookReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Kill -9 between the change and the delivery loses nothing": a node in its own JVM commits
 * while its webhook receiver never answers (every delivery is in flight or waiting for a retry),
 * is killed with SIGKILL, and restarts with the receiver answering: every acknowledged commit's
 * event arrives.
 */
@Timeout(240)
class HookCrashTest {

  @TempDir
  Path dir;

  private ForkedNode node;
  private final Vertx client = Vertx.vertx();

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
    client.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Verifies that every acknowledged commit's webhook event arrives after the node is killed with SIGKILL while its deliveries were in flight")
  void nothingLostOnKill() throws Exception {
    HookReceiver receiver = new HookReceiver(client).answering(a -> -1);
    Set<String> arrived = ConcurrentHashMap.newKeySet();
    try {
      node = new ForkedNode(dir, "256m", new JsonObject().put("hooks", new JsonObject()
          .put("allowPrivateTargets", true).put("timeoutMs", 1000).put("retryFirstMs", 100))).start(0);
      Set<String> acknowledged = receiver.aliceCommits(client, node.http, node.port, "/", 20);
      Await.until("deliveries in flight at the receiver", 10_000, () -> !receiver.arrivals.isEmpty());
      node.kill();
      receiver.arrivals.clear();
      receiver.recordAfters(arrived);
      node.start(1);
      Await.until("every acknowledged commit's event to arrive after the restart (the leases of the killed node"
          + " run out first)", 60_000, () -> arrived.containsAll(acknowledged));
      assertTrue(acknowledged.size() == 20);
    } finally {
      receiver.close();
    }
  }
}
