package io.branchwork.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.support.Await;
import io.branchwork.support.Cli;
import io.branchwork.support.Pg;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The store contract on PostgreSQL, plus what only a networked database can get wrong. */
class PgStoreTest extends StoreContractTest {

  private String schema;

  @Override
  protected Future<Store> open(Vertx vertx, Path dir) {
    if (schema == null) {
      Pg.requireReachable(vertx);
      schema = Pg.newSchema();
    }
    return PgStore.open(vertx, Pg.url(), schema, 4, CHUNK, KEEP);
  }

  @AfterEach
  void dropSchema() {
    Pg.dropSchema(vertx, schema);
  }

  private Path randomFile(String name, int size) throws Exception {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return Files.write(dir.resolve(name), b);
  }

  @Test
  @DisplayName("Verifies that several nodes migrating one fresh schema at once end with one schema, migrated once")
  void concurrentMigration() throws Exception {
    String fresh = Pg.newSchema();
    try {
      List<Future<Store>> opens = List.of(
          PgStore.open(vertx, Pg.url(), fresh, 2, CHUNK, KEEP),
          PgStore.open(vertx, Pg.url(), fresh, 2, CHUNK, KEEP),
          PgStore.open(vertx, Pg.url(), fresh, 2, CHUNK, KEEP));
      Future.all(opens).await(60, TimeUnit.SECONDS);
      var rows = Pg.sql(vertx, "SELECT COUNT(*) FROM " + fresh + ".schema_version");
      assertEquals(Schema.POSTGRES.size(), rows.iterator().next().getLong(0).intValue());
      for (Future<Store> f : opens) {
        await(f.result().close());
      }
    } finally {
      Pg.dropSchema(vertx, fresh);
    }
  }

  @Test
  @DisplayName("Verifies that a connection dropped between chunks of a save leaves the previous version intact and readable")
  void crashMidSave() throws Exception {
    Store big = await(PgStore.open(vertx, Pg.url(), schema, 2, 64 * 1024, KEEP));
    try {
      await(big.createUser("ann", "h"));
      await(big.createProject("p", "p", "ann"));
      Path v1 = randomFile("v1", 200_000);
      await(big.writeSnapshot("p", "main", "one", v1, 0L));
      Path v2 = randomFile("v2", 48 << 20);
      Future<SnapshotMeta> write = big.writeSnapshot("p", "main", "two", v2, 1L);
      // Kill the writer's backend while it is inside the transaction, between chunk inserts.
      Await.until("the writer's backend was terminated", 30_000, () -> {
        if (write.isComplete()) {
          throw new AssertionError("the save finished before it could be interrupted");
        }
        var killed = Pg.sql(vertx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE application_name = 'branchwork' AND state <> 'idle'"
            + " AND query LIKE 'INSERT INTO snapshot_chunks%'");
        return killed.size() > 0;
      });
      assertThrows(Exception.class, () -> await(write));
      // the pool notices the killed connection by itself; until it has, a read may be refused as overloaded
      SnapshotMeta[] found = new SnapshotMeta[1];
      Await.until("the store answers again", 30_000, () -> {
        try {
          found[0] = await(big.legacySnapshots()).get(0);
          return true;
        } catch (Exception e) {
          return false;
        }
      });
      SnapshotMeta latest = found[0];
      assertEquals(1, latest.version());
      assertEquals("one", latest.head());
      Path back = dir.resolve("back");
      await(big.readSnapshot(latest, back));
      assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(back));
      var orphans = Pg.sql(vertx, "SELECT COUNT(*) FROM " + schema + ".snapshot_chunks WHERE version = 2");
      assertEquals(0L, orphans.iterator().next().getLong(0));
      // the pool recovers by itself: the same save goes through now
      assertEquals(2, await(big.writeSnapshot("p", "main", "two", v1, 1L)).version());
    } finally {
      await(big.close());
    }
  }

  @Test
  @DisplayName("Verifies that when the database drops every connection, ops fail as overloaded and then recover by themselves")
  void recoversAfterConnectionLoss() throws Exception {
    await(store.createUser("ann", "h"));
    Pg.sql(vertx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'branchwork'");
    Await.until("the store answers again", 30_000, () -> {
      try {
        return await(store.findUser("ann")).isPresent();
      } catch (BranchworkException e) {
        assertEquals(ErrorCode.OVERLOADED, e.code(), e::toString);
        return false;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }

  @Test
  @DisplayName("Verifies that an unreachable database fails the open with a message that says where")
  void unreachable() {
    Exception e = assertThrows(Exception.class, () -> await(PgStore.open(vertx,
        "postgresql://postgres@127.0.0.1:1/test", "public", 1, CHUNK, KEEP)));
    assertTrue(e.getMessage().contains("cannot use PostgreSQL at 127.0.0.1:1/test"), e.getMessage());
  }

  @Test
  @DisplayName("Verifies that a 200 MB snapshot round-trips through PostgreSQL in a JVM with a 96 MB heap")
  void bigSnapshotBoundedHeap() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String out = Cli.run(dir, java, "-Xmx96m", "-cp", System.getProperty("java.class.path"),
        BigSnapshotCheck.class.getName(), Pg.url(), schema, String.valueOf(200L << 20), dir.toString());
    assertTrue(out.contains("round trip ok"), out);
    long peak = Long.parseLong(out.replaceAll("(?s).*peakHeapBytes=(\\d+).*", "$1"));
    assertTrue(peak < 96L << 20, "peak heap " + peak);
  }
}
