package io.branchwork.durability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.ForkedNode;
import io.branchwork.support.Http;
import io.branchwork.support.Pg;
import io.branchwork.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Acknowledged means durable", the hard way: a node runs in its own JVM (as {@code java -jar}
 * would start it), one client drives a random sequence of writes, deletes, moves, commits and
 * branch creations over the WebSocket, each waiting for its answer, and the node is killed with
 * SIGKILL at a random moment. The restarted node must hold every acknowledged change: the files
 * exactly as the acknowledged ops left them (the op in flight at the kill may or may not have
 * happened), every acknowledged commit in the log and every acknowledged branch in the list.
 * Each restart also serves as the next trial's node, so N trials cost N + 1 starts.
 */
@Timeout(600)
class CrashDurabilityTest {

  private static final int TRIALS = 10;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CrashDurabilityTest.class);

  @TempDir
  Path dir;

  private ForkedNode node;
  private Pg.TestSchema schema;
  private final Vertx client = Vertx.vertx();

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
    if (schema != null) {
      schema.close();
    }
    client.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Verifies with the embedded store that no acknowledged op is lost when the node is killed with SIGKILL at random moments")
  void embedded() throws Exception {
    trials(new JsonObject(), 11);
  }

  @Test
  @DisplayName("Verifies with PostgreSQL that no acknowledged op is lost when the node is killed with SIGKILL at random moments")
  void postgres() throws Exception {
    schema = new Pg.TestSchema();
    trials(schema.nodeConfig(), 23);
  }

  /** What the acknowledged ops made, and what the op in flight would make on top of it. */
  private record Model(Map<String, String> files, List<String> commits, Set<String> branches) {
    Model copy() {
      return new Model(new TreeMap<>(files), new ArrayList<>(commits), new HashSet<>(branches));
    }
  }

  private void trials(JsonObject storeConf, long seed) throws Exception {
    node = new ForkedNode(dir, "256m", storeConf).start(0);
    Http http = node.http;
    int port = node.port;
    String token = http.register("alice");
    http.postJson("/api/projects", token, new JsonObject().put("id", "crash")).expect(201);

    Random random = new Random(seed);
    Model acked = new Model(new TreeMap<>(), new ArrayList<>(), new HashSet<>(Set.of("main")));
    Model[] inFlight = {null};
    int totalAcked = 0;
    for (int trial = 1; trial <= TRIALS; trial++) {
      WsClient ws = WsClient.connect(client, port, token);
      ws.ok("open", "project", "crash", "branch", "main");
      long runMs = 100 + random.nextInt(900);
      int[] done = {0};
      Random ops = new Random(random.nextLong());
      int trialNo = trial;
      Thread driver = new Thread(() -> {
        try {
          while (true) {
            Model next = acked.copy();
            Object[] call = nextOp(ops, next, trialNo, done[0]);
            inFlight[0] = next;
            JsonObject r = ws.call((String) call[0], java.util.Arrays.copyOfRange(call, 1, call.length));
            if (Boolean.TRUE.equals(r.getBoolean("ok"))) {
              if ("commit".equals(call[0])) {
                next.commits().add(r.getJsonObject("result").getString("commit"));
              }
              synchronized (acked) {
                acked.files().clear();
                acked.files().putAll(next.files());
                acked.commits().clear();
                acked.commits().addAll(next.commits());
                acked.branches().clear();
                acked.branches().addAll(next.branches());
              }
              done[0]++;
            }
            inFlight[0] = null;
          }
        } catch (Throwable stop) {
          // the node was killed under the op in flight
        }
      });
      driver.start();
      Thread.sleep(runMs);
      node.kill();
      driver.join(60_000);
      Model maybe = inFlight[0];
      totalAcked += done[0];
      LOG.info("trial {}: killed after {} ms and {} acknowledged ops", trial, runMs, done[0]);

      node.start(trial);
      token = http.signIn("alice");
      try (WsClient check = WsClient.connect(client, port, token)) {
        check.ok("open", "project", "crash", "branch", "main");
        Map<String, String> found = new TreeMap<>();
        for (Object e : check.ok("list", "recursive", true).getJsonArray("entries")) {
          JsonObject entry = (JsonObject) e;
          if ("file".equals(entry.getString("type"))) {
            String p = entry.getString("path");
            found.put(p, new String(check.ok("read", "path", p).getBinary("content"), StandardCharsets.UTF_8));
          }
        }
        boolean matches = found.equals(acked.files()) || (maybe != null && found.equals(maybe.files()));
        assertTrue(matches, "trial " + trial + ": after the kill the files are " + found + ", acknowledged "
            + acked.files() + (maybe == null ? "" : ", or with the op in flight " + maybe.files()));
        JsonArray log = check.ok("log", "limit", 1000).getJsonArray("commits");
        Set<String> logged = new HashSet<>();
        log.forEach(c -> logged.add(((JsonObject) c).getString("commit")));
        assertTrue(logged.containsAll(acked.commits()), "trial " + trial + ": every acknowledged commit is in the log");
        Set<String> branches = new HashSet<>();
        check.ok("branches").getJsonArray("branches").forEach(b -> branches.add(((JsonObject) b).getString("name")));
        assertTrue(branches.containsAll(acked.branches()), "trial " + trial + ": branches " + branches
            + " hold every acknowledged one " + acked.branches());
        if (maybe != null && found.equals(maybe.files())) {
          acked.files().clear();
          acked.files().putAll(maybe.files());
        }
      }
    }
    assertTrue(totalAcked >= TRIALS, "the trials acknowledged " + totalAcked + " ops, too few to mean anything");
  }

  /** Picks the next op, applies its effect to {@code model}, and answers the op and its arguments. */
  private static Object[] nextOp(Random r, Model model, int trial, int n) {
    int pick = r.nextInt(100);
    List<String> paths = new ArrayList<>(model.files().keySet());
    if (pick < 10 && !paths.isEmpty()) {
      String p = paths.get(r.nextInt(paths.size()));
      model.files().remove(p);
      return new Object[] {"delete", "path", p};
    }
    if (pick < 20 && !paths.isEmpty()) {
      String from = paths.get(r.nextInt(paths.size()));
      String to = "m" + trial + "-" + n + ".txt";
      model.files().put(to, model.files().remove(from));
      return new Object[] {"move", "from", from, "to", to};
    }
    if (pick < 32) {
      return new Object[] {"commit", "message", "trial " + trial + " op " + n};
    }
    if (pick < 37) {
      String b = "b" + trial + "-" + n;
      model.branches().add(b);
      return new Object[] {"branch.create", "name", b};
    }
    String p = (r.nextBoolean() ? "dir/" : "") + "f" + r.nextInt(8) + ".txt";
    String content = "trial " + trial + " op " + n + " " + Long.toHexString(r.nextLong());
    model.files().put(p, content);
    return new Object[] {"write", "path", p, "content", content.getBytes(StandardCharsets.UTF_8)};
  }
}
