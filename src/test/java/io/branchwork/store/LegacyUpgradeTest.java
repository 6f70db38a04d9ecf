package io.branchwork.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory or database written by the previous release (schema version 1: each branch a
 * chain of tar.gz snapshots with their own {@code .git}) is upgraded when a node starts on it:
 * each branch's latest snapshot becomes the project's repository, its head a branch and its
 * uncommitted files work in progress, and nothing of it is lost.
 */
@Timeout(120)
class LegacyUpgradeTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Verifies that an embedded store of schema version 1 is upgraded at start and loses nothing")
  void embedded() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      writeVersionOne(JdbcEngine.open(vertx, dir.resolve("data").resolve("db"), 2).await(30, TimeUnit.SECONDS),
          Schema.EMBEDDED);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    try (TestNode node = TestNode.start(dir.resolve("data"))) {
      check(node);
    }
  }

  @Test
  @DisplayName("Verifies that a PostgreSQL store of schema version 1 is upgraded at start and loses nothing")
  void postgres() throws Exception {
    try (Pg.TestSchema schema = new Pg.TestSchema()) {
      writeVersionOne(PgEngine.open(schema.admin, Pg.url(), schema.name, 2), Schema.POSTGRES);
      try (TestNode node = TestNode.start(dir.resolve("data"), schema.nodeConfig())) {
        check(node);
        assertEquals(0L, schema.sql("SELECT count(*) FROM $schema.snapshot_chunks").iterator().next().getLong(0),
            "the old snapshots are gone once moved");
      }
    }
  }

  /** What the previous release stored: two saved versions of main, the last with an uncommitted file. */
  private void writeVersionOne(SqlEngine engine, List<List<String>> schema) throws Exception {
    Migrations.run(engine, schema.subList(0, 1)).await(30, TimeUnit.SECONDS);
    Store old = new SqlStore(engine, 64 * 1024, 3);
    try {
      old.createUser("olga", "h").await(10, TimeUnit.SECONDS);
      old.createProject("legacy", "Legacy", "olga").await(10, TimeUnit.SECONDS);
      Path repo = Files.createDirectories(dir.resolve("repo"));
      Cli.run(repo, "git", "init", "-q", "-b", "main");
      Files.writeString(repo.resolve("committed.scad"), "cube(1);\n");
      Cli.run(repo, "git", "add", ".");
      Cli.run(repo, "git", "-c", "user.name=olga", "-c", "user.email=o@x", "commit", "-q", "-m", "first");
      String head = Cli.run(repo, "git", "rev-parse", "HEAD").trim();
      Path v1 = dir.resolve("v1.tar.gz");
      Cli.run(repo, "tar", "-czf", v1.toString(), ".");
      Files.writeString(repo.resolve("unsaved-before.scad"), "sphere(1);\n");
      Path v2 = dir.resolve("v2.tar.gz");
      Cli.run(repo, "tar", "-czf", v2.toString(), ".");
      old.writeSnapshot("legacy", "main", head, v1, 0L).await(10, TimeUnit.SECONDS);
      old.writeSnapshot("legacy", "main", head, v2, 1L).await(10, TimeUnit.SECONDS);
      this.head = head;
    } finally {
      old.close().await(10, TimeUnit.SECONDS);
    }
  }

  private String head;

  private void check(TestNode node) {
    WorkspaceKey key = new WorkspaceKey("legacy", "main");
    node.allocator("register", key, "h");
    assertEquals("cube(1);\n", text(node, key, "committed.scad"));
    assertEquals("sphere(1);\n", text(node, key, "unsaved-before.scad"));
    JsonArray log = node.ws(key, "olga", "log", new JsonObject()).getJsonArray("commits");
    assertEquals(head, log.getJsonObject(0).getString("commit"));
    assertEquals(new JsonArray().add(new JsonObject().put("path", "unsaved-before.scad").put("change", "untracked")),
        node.ws(key, "olga", "status", new JsonObject()).getJsonArray("changes"));
    assertTrue(node.node.services().store().legacySnapshots().await().isEmpty());
    node.allocator("deregister", key, "h");
  }

  private static String text(TestNode node, WorkspaceKey key, String path) {
    return new String(node.ws(key, "olga", "read", new JsonObject().put("path", path)).getBinary("content"),
        StandardCharsets.UTF_8);
  }
}
