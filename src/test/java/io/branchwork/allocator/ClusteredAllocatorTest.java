package io.branchwork.allocator;

import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link AllocatorTest} on a node with {@code cluster.enabled} (a one-member Hazelcast cluster on
 * loopback, PostgreSQL store): registers claim keys in the cluster-wide map, stats are merged
 * over the members, and the contract must not change.
 */
class ClusteredAllocatorTest extends AllocatorTest {

  private Pg.TestSchema schema;

  @BeforeEach
  void schema() {
    schema = new Pg.TestSchema();
  }

  @Override
  TestNode startNode(Path dataDir, JsonObject overrides) {
    int port = TestNode.freePort();
    return TestNode.startClustered(dataDir, overrides.copy().mergeIn(schema.nodeConfig())
        .put("cluster", new JsonObject().put("enabled", true).put("port", port)
            .put("members", "127.0.0.1:" + port)));
  }

  /** Runs before the base class's {@code stop}: the node goes first, then its schema. */
  @AfterEach
  void dropSchema() {
    if (node != null) {
      node.close();
      node = null;
    }
    schema.close();
  }
}
