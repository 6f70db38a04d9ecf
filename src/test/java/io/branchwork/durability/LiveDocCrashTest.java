package io.branchwork.durability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.ForkedNode;
import io.branchwork.support.Http;
import io.branchwork.support.WsClient;
import io.branchwork.workspace.collab.Changes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "An accepted keystroke is durable before it is acknowledged", the hard way: a node in its own
 * JVM, two typists pushing {@code doc.push} updates into one live document (each waits for its
 * answer; a refused push pulls, rebases and pushes again), and SIGKILL at a random moment. After
 * the restart the file must be the text of the highest version either typist had acknowledged,
 * or that text with one of the pushes that were in flight.
 */
@Timeout(300)
class LiveDocCrashTest {

  private static final int TRIALS = 4;

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

  /** What all typists know: the text at the highest acknowledged version. */
  private static final class Acked {
    long version;
    String text;
  }

  /** One typist: its own copy of the document, and the push it has in flight. */
  private final class Typist extends Thread {
    final WsClient ws;
    final Random random;
    final Acked acked;
    long version;
    String text;
    volatile long inFlightVersion = -1;
    volatile JsonArray inFlight;
    int accepted;

    Typist(WsClient ws, long seed, Acked acked) {
      this.ws = ws;
      this.random = new Random(seed);
      this.acked = acked;
      JsonObject joined = ws.ok("doc.join", "path", "live.txt");
      version = joined.getLong("version");
      text = joined.getString("text");
    }

    @Override
    public void run() {
      try {
        while (true) {
          JsonArray changes = randomInsert();
          inFlightVersion = version;
          inFlight = changes;
          JsonObject r = ws.call("doc.push", "path", "live.txt", "version", version, "updates", new JsonArray()
              .add(new JsonObject().put("clientID", getName()).put("changes", changes)));
          if (!Boolean.TRUE.equals(r.getBoolean("ok"))) {
            return;
          }
          JsonObject result = r.getJsonObject("result");
          if (result.getBoolean("accepted")) {
            text = Changes.apply(text, 0, changes, Long.MAX_VALUE).text();
            version = result.getLong("version");
            accepted++;
            record();
          } else {
            inFlight = null;
            JsonObject pulled = ws.ok("doc.pull", "path", "live.txt", "version", version);
            for (Object u : pulled.getJsonArray("updates")) {
              text = Changes.apply(text, 0, ((JsonObject) u).getValue("changes"), Long.MAX_VALUE).text();
            }
            version = pulled.getLong("version");
            record();
          }
          inFlight = null;
        }
      } catch (Throwable killed) {
        // the node died under the push in flight
      }
    }

    private void record() {
      synchronized (acked) {
        if (version > acked.version) {
          acked.version = version;
          acked.text = text;
        }
      }
    }

    /** An insert of ASCII, a multi-byte letter, an emoji or a line break, never inside a surrogate pair. */
    private JsonArray randomInsert() {
      int at = random.nextInt(text.length() + 1);
      if (at > 0 && at < text.length() && Character.isLowSurrogate(text.charAt(at))) {
        at++;
      }
      String[] pieces = {"a", "é", "😀", "\n", "word "};
      String piece = pieces[random.nextInt(pieces.length)];
      JsonArray ins = new JsonArray().add(0);
      for (String line : piece.split("\n", -1)) {
        ins.add(line);
      }
      JsonArray changes = new JsonArray();
      if (at > 0) {
        changes.add(at);
      }
      changes.add(ins);
      if (text.length() > at) {
        changes.add(text.length() - at);
      }
      return changes;
    }
  }

  @Test
  @DisplayName("Verifies that no acknowledged live-document update is lost when the node is killed with SIGKILL while two sessions type")
  void noAcknowledgedUpdateIsLost() throws Exception {
    node = new ForkedNode(dir, "256m", new JsonObject().put("collab", new JsonObject().put("pushesPerSecond", 100_000)))
        .start(0);
    Http http = node.http;
    String token = http.register("alice");
    http.postJson("/api/projects", token, new JsonObject().put("id", "typing")).expect(201);
    String expected = "start\n";
    try (WsClient ws = WsClient.connect(client, node.port, token)) {
      ws.ok("open", "project", "typing", "branch", "main");
      ws.ok("write", "path", "live.txt", "content", expected.getBytes(StandardCharsets.UTF_8));
    }
    Random random = new Random(29);
    int total = 0;
    for (int trial = 1; trial <= TRIALS; trial++) {
      Acked acked = new Acked();
      Typist[] typists = new Typist[2];
      for (int i = 0; i < typists.length; i++) {
        WsClient ws = WsClient.connect(client, node.port, token);
        ws.ok("open", "project", "typing", "branch", "main");
        typists[i] = new Typist(ws, random.nextLong(), acked);
        typists[i].setName("t" + trial + "-" + i);
      }
      acked.version = typists[0].version;
      acked.text = typists[0].text;
      assertTrue(acked.text.equals(expected), "trial " + trial + " starts from what the last one left: " + acked.text);
      for (Typist t : typists) {
        t.start();
      }
      Thread.sleep(300 + random.nextInt(900));
      node.kill();
      for (Typist t : typists) {
        t.join(60_000);
        total += t.accepted;
      }
      Set<String> allowed = new HashSet<>();
      allowed.add(acked.text);
      for (Typist t : typists) {
        JsonArray pending = t.inFlight;
        if (pending != null && t.inFlightVersion == acked.version) {
          allowed.add(Changes.apply(acked.text, 0, pending, Long.MAX_VALUE).text());
        }
      }
      node.start(trial);
      token = http.signIn("alice");
      try (WsClient check = WsClient.connect(client, node.port, token)) {
        check.ok("open", "project", "typing", "branch", "main");
        String found = new String(check.ok("read", "path", "live.txt").getBinary("content"), StandardCharsets.UTF_8);
        assertTrue(allowed.contains(found), "trial " + trial + ": after the kill the file is\n" + found
            + "\nbut the acknowledged text (version " + acked.version + ") is\n" + acked.text);
        expected = found;
      }
    }
    assertTrue(total >= TRIALS * 5, "the typists had only " + total + " updates accepted: too few to mean anything");
  }
}
