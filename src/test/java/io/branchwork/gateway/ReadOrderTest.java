package io.branchwork.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Pg;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order a read may observe, whichever path answers it (the gateway's read view on its own
 * event loop, or the workspace): a read after a change's answer sees that change or a later one;
 * reads of one path never go back in time; a read sent while the session's own change is in
 * flight comes after it; and no read ever sees a change that was not acknowledged. Checked under
 * concurrent writers, and with the store held still so that a change cannot be acknowledged.
 */
@Timeout(180)
class ReadOrderTest {

  @TempDir
  Path dir;

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String content(JsonObject readResult) {
    return new String(readResult.getBinary("content"), StandardCharsets.UTF_8);
  }

  /** How many reads the workspace itself answered (the others came from the gateway's view). */
  private static long workspaceReads(TestNode node) {
    Matcher m = Pattern.compile("branchwork_workspace_op_seconds_count\\{op=\"read\",?\\} (\\d+)")
        .matcher(node.http.get("/metrics", null).expect(200).text());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** Waits until a working copy under {@code root} holds {@code name} with {@code expected}. */
  private static void awaitOnDisk(Path root, String name, String expected) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(root)) {
        boolean there = files.filter(f -> f.getFileName().toString().equals(name)).anyMatch(f -> {
          try {
            return java.nio.file.Files.readString(f).equals(expected);
          } catch (java.io.IOException e) {
            return false;
          }
        });
        if (there) {
          return;
        }
      } catch (java.io.UncheckedIOException e) {
        // A temporary file (a big write's, or JGit's under .git) went away under the walk: look again.
      }
      Thread.sleep(10); // polling the disk for a condition
    }
    throw new AssertionError(name + " never reached the working copy");
  }

  @Test
  @DisplayName("Verifies under concurrent writers: a read after its own acknowledged write sees it (on that and another connection), a read sent with its write in flight comes after it, reads of a path written in order never go back; most reads are answered by the gateway's view")
  void readsUnderConcurrentWriters() throws Exception {
    try (TestNode node = TestNode.start(dir)) {
      String token = node.login("alice");
      node.createProject(token, "order");
      int writers = 4;
      int rounds = 150;
      AtomicBoolean counting = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(writers + 3);
      List<Future<String>> done = new ArrayList<>();
      try (WsClient setup = WsClient.connect(node.vertx, node.node.port(), token)) {
        setup.ok("open", "project", "order", "branch", "main");
        setup.ok("write", "path", "counter.txt", "content", text("0"));
      }
      for (int w = 0; w < writers; w++) {
        int me = w;
        done.add(pool.submit(() -> {
          try (WsClient c = WsClient.connect(node.vertx, node.node.port(), token);
              WsClient other = WsClient.connect(node.vertx, node.node.port(), token)) {
            c.ok("open", "project", "order", "branch", "main");
            other.ok("open", "project", "order", "branch", "main");
            String path = "own/w" + me + ".txt";
            for (int k = 0; k < rounds; k++) {
              String v = "w" + me + "-" + k;
              if (k % 3 == 2) {
                // sent together: the read is in flight with the write, and must come after it
                long wid = c.nextId();
                long rid = c.nextId();
                c.sendRaw(WsClient.pack(java.util.Map.of("id", wid, "op", "write", "path", path, "content", text(v))));
                c.sendRaw(WsClient.pack(java.util.Map.of("id", rid, "op", "read", "path", path)));
                assertEquals(Boolean.TRUE, c.reply(wid).getBoolean("ok"));
                assertEquals(v, content(c.reply(rid).getJsonObject("result")), "a read in flight with its write");
              } else {
                c.ok("write", "path", path, "content", text(v));
                assertEquals(v, content(c.ok("read", "path", path)), "a read after its own acknowledged write");
                assertEquals(v, content(other.ok("read", "path", path)), "a read on another connection after the answer");
              }
            }
            return path;
          }
        }));
      }
      // One writer counts up on counter.txt; readers check that what they see never goes back.
      done.add(pool.submit(() -> {
        try (WsClient c = WsClient.connect(node.vertx, node.node.port(), token)) {
          c.ok("open", "project", "order", "branch", "main");
          for (int n = 1; n <= rounds * 2; n++) {
            c.ok("write", "path", "counter.txt", "content", text(Integer.toString(n)));
          }
          counting.set(false);
          return "counter";
        }
      }));
      for (int r = 0; r < 2; r++) {
        done.add(pool.submit(() -> {
          try (WsClient c = WsClient.connect(node.vertx, node.node.port(), token)) {
            c.ok("open", "project", "order", "branch", "main");
            int last = 0;
            int reads = 0;
            while (counting.get() || reads < 50) {
              int seen = Integer.parseInt(content(c.ok("read", "path", "counter.txt")));
              assertTrue(seen >= last, "counter.txt went back from " + last + " to " + seen);
              last = seen;
              reads++;
            }
            return "reader saw up to " + last;
          }
        }));
      }
      for (Future<String> f : done) {
        f.get(150, TimeUnit.SECONDS);
      }
      pool.shutdown();
      long total = writers * rounds * 2L; // at least: each writer's reads, not counting the counter readers
      long viaWorkspace = workspaceReads(node);
      assertTrue(viaWorkspace < total / 2, "the workspace answered " + viaWorkspace + " of more than " + total
          + " reads: the gateway's view should have answered most");
    }
  }

  @Test
  @DisplayName("Verifies that a read the view cannot answer still meets the workspace's checks: with a.txt in the view, hostile paths and a binary path are bad_request, an unknown file not_found, and a.txt reads on")
  void hostileReadsPassTheViewToTheChecks() {
    try (TestNode node = TestNode.start(dir)) {
      String token = node.login("alice");
      node.createProject(token, "paths");
      try (WsClient c = WsClient.connect(node.vertx, node.node.port(), token)) {
        c.ok("open", "project", "paths", "branch", "main");
        c.ok("write", "path", "a.txt", "content", text("in the view"));
        assertEquals("in the view", content(c.ok("read", "path", "a.txt")));
        long before = workspaceReads(node);
        for (String hostile : new String[] {"../a.txt", "/a.txt", ".git/config", ".GIT/HEAD", "a.txt/../../x", "a\u0000.txt"}) {
          c.fails("bad_request", "read", "path", hostile);
        }
        c.fails("bad_request", "read", "path", "a.txt".getBytes(StandardCharsets.UTF_8));
        c.fails("not_found", "read", "path", "b.txt");
        assertTrue(workspaceReads(node) > before, "the workspace checked what the view did not hold");
        assertEquals("in the view", content(c.ok("read", "path", "a.txt")));
      }
    }
  }

  @Test
  @DisplayName("Verifies with the store held still (a lock on its refs) that a write cannot be acknowledged and no read shows it, through the view or the workspace; once the store moves, the write is answered and every read shows it")
  void noReadSeesAnUnacknowledgedWrite() throws Exception {
    try (Pg.TestSchema schema = new Pg.TestSchema(); TestNode node = TestNode.start(dir, schema.nodeConfig())) {
      String token = node.login("alice");
      node.createProject(token, "held");
      WsClient writer = WsClient.connect(node.vertx, node.node.port(), token);
      WsClient reader = WsClient.connect(node.vertx, node.node.port(), token);
      writer.ok("open", "project", "held", "branch", "main");
      reader.ok("open", "project", "held", "branch", "main");
      writer.ok("write", "path", "p.txt", "content", text("acknowledged"));
      assertEquals("acknowledged", content(reader.ok("read", "path", "p.txt")));

      Pool admin = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(Pg.url())).using(schema.admin).build();
      SqlConnection lockHolder = admin.getConnection().await(30, TimeUnit.SECONDS);
      Transaction tx = lockHolder.begin().await(30, TimeUnit.SECONDS);
      lockHolder.query("LOCK TABLE " + schema.name + ".refs IN ACCESS EXCLUSIVE MODE").execute()
          .await(30, TimeUnit.SECONDS);
      try {
        long write = writer.nextId();
        writer.sendRaw(WsClient.pack(java.util.Map.of("id", write, "op", "write", "path", "p.txt",
            "content", text("not yet"))));
        long fresh = writer.nextId();
        writer.sendRaw(WsClient.pack(java.util.Map.of("id", fresh, "op", "write", "path", "q.txt",
            "content", text("not yet either"))));
        // The writes have reached the disk of the working copy (the workspace's own list shows
        // nothing before they are acknowledged either, so wait on the disk itself).
        awaitOnDisk(node.dataDir.resolve("workspaces"), "q.txt", "not yet either");
        for (int i = 0; i < 200; i++) {
          assertEquals("acknowledged", content(reader.ok("read", "path", "p.txt")), "read " + i);
        }
        // A read the view cannot answer goes to the workspace, which holds it back as well.
        long q = reader.nextId();
        reader.sendRaw(WsClient.pack(java.util.Map.of("id", q, "op", "read", "path", "q.txt")));
        assertEquals("acknowledged", content(reader.ok("read", "path", "p.txt")));
        assertNull(reader.pollReply(q, 300), "the workspace answered a read of an unacknowledged write");
        tx.rollback().await(30, TimeUnit.SECONDS);
        assertEquals(Boolean.TRUE, writer.reply(write).getBoolean("ok"));
        assertEquals(Boolean.TRUE, writer.reply(fresh).getBoolean("ok"));
        assertEquals("not yet either", content(reader.reply(q).getJsonObject("result")));
        assertEquals("not yet", content(reader.ok("read", "path", "p.txt")));
      } finally {
        lockHolder.close();
        admin.close();
        writer.close();
        reader.close();
      }
    }
  }

  @Test
  @DisplayName("Verifies a store outage: the write fails, a read of it waits instead of showing it, and once the store is back the workspace stores the change by itself and the read answers")
  void anOutageHoldsReadsUntilTheStoreIsBack() throws Exception {
    try (Pg.TestSchema schema = new Pg.TestSchema(); TestNode node = TestNode.start(dir, schema.nodeConfig())) {
      String token = node.login("alice");
      node.createProject(token, "outage");
      try (WsClient writer = WsClient.connect(node.vertx, node.node.port(), token);
          WsClient reader = WsClient.connect(node.vertx, node.node.port(), token)) {
        writer.ok("open", "project", "outage", "branch", "main");
        reader.ok("open", "project", "outage", "branch", "main");
        writer.ok("write", "path", "p.txt", "content", text("stored"));
        schema.sql("ALTER TABLE $schema.refs RENAME TO refs_away");
        try {
          JsonObject failed = writer.call("write", "path", "p.txt", "content", text("during the outage"));
          assertEquals(Boolean.FALSE, failed.getBoolean("ok"), failed::encode);
          // The view still has the stored version; the workspace holds a read of what changed.
          assertEquals("stored", content(reader.ok("read", "path", "p.txt")));
          long list = reader.nextId();
          reader.sendRaw(WsClient.pack(java.util.Map.of("id", list, "op", "list", "path", "")));
          assertNull(reader.pollReply(list, 300), "list answered while a change could not be stored");
          schema.sql("ALTER TABLE $schema.refs_away RENAME TO refs");
          assertEquals(Boolean.TRUE, reader.reply(list).getBoolean("ok"));
          // The retried round stored the change: every reader now sees it, through either path.
          long deadline = System.currentTimeMillis() + 10_000;
          String seen = content(reader.ok("read", "path", "p.txt"));
          while (!seen.equals("during the outage") && System.currentTimeMillis() < deadline) {
            seen = content(reader.ok("read", "path", "p.txt"));
          }
          assertEquals("during the outage", seen);
        } finally {
          schema.sql("ALTER TABLE IF EXISTS $schema.refs_away RENAME TO refs");
        }
      }
    }
  }
}
