package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, clear errors: every op with arguments of the wrong type or shape answers a contract code, never internal. */
@Timeout(120)
class MalformedRequestsTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("fuzz");
    node.createProject(token, "fz");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static final byte[] BIN = "x".getBytes(StandardCharsets.UTF_8);

  /** Op name and key/value arguments, each a request a careless or hostile client sends. */
  private static List<Object[]> requests() {
    List<Object[]> r = new ArrayList<>();
    Object[] odd = {null, 42L, -1L, 1.5, true, "", "x".repeat(5000), new JsonObject(), new io.vertx.core.json.JsonArray(),
        BIN};
    String[][] ops = {{"list", "path"}, {"list", "recursive"}, {"read", "path"}, {"write", "path"}, {"write", "content"},
        {"write", "base"}, {"delete", "path"}, {"delete", "base"}, {"move", "from"}, {"move", "to"}, {"diff", "path"},
        {"commit", "message"}, {"commit", "paths"}, {"log", "limit"}, {"log", "path"}, {"branch.create", "name"},
        {"branch.create", "from"}, {"branch.rename", "to"}, {"branch.delete", "name"}, {"lock", "ttlMs"},
        {"compile", "entry"}, {"open", "project"}, {"open", "branch"}, {"auth", "token"}};
    for (String[] op : ops) {
      for (Object v : odd) {
        JsonObject args = base(op[0]);
        args.put(op[1], v);
        r.add(new Object[] {op[0], args});
      }
    }
    for (String path : new String[] {"a/", "./a", "a//b", "/", "dir/", ".", "a/./b"}) {
      r.add(new Object[] {"read", new JsonObject().put("path", path)});
      r.add(new Object[] {"write", new JsonObject().put("path", path).put("content", BIN)});
    }
    r.add(new Object[] {"move", new JsonObject().put("from", "d").put("to", "d/e")});
    r.add(new Object[] {"move", new JsonObject().put("from", "f.txt").put("to", "f.txt")});
    r.add(new Object[] {"compile", new JsonObject().put("entry", "d")});
    r.add(new Object[] {"compile", new JsonObject().put("entry", "f.txt")});
    r.add(new Object[] {"read", new JsonObject().put("path", "d")});
    r.add(new Object[] {"list", new JsonObject().put("path", "f.txt")});
    r.add(new Object[] {"write", new JsonObject().put("path", "f.txt/under").put("content", BIN)});
    r.add(new Object[] {"log", new JsonObject().put("limit", Long.MAX_VALUE)});
    r.add(new Object[] {"lock", new JsonObject().put("ttlMs", Long.MAX_VALUE)});
    r.add(new Object[] {"no.such.op", new JsonObject()});
    r.add(new Object[] {"session.join", new JsonObject()});
    r.add(new Object[] {"holder.released", new JsonObject().put("holder", "someone")});
    return r;
  }

  /** Valid values for the other arguments, so each request is wrong in one place only. */
  private static JsonObject base(String op) {
    return switch (op) {
      case "write" -> new JsonObject().put("path", "w.txt").put("content", BIN);
      case "move" -> new JsonObject().put("from", "f.txt").put("to", "g.txt");
      case "commit" -> new JsonObject().put("message", "m");
      case "open" -> new JsonObject().put("project", "fz").put("branch", "main");
      case "compile" -> new JsonObject().put("entry", "m.scad");
      default -> new JsonObject();
    };
  }

  @Test
  @DisplayName("Hundreds of malformed requests: each answered with a contract code other than internal; the connection stays usable")
  void neverInternal() {
    try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), token)) {
      ws.ok("open", "project", "fz", "branch", "main");
      ws.ok("write", "path", "f.txt", "content", BIN);
      ws.ok("write", "path", "d/inner.txt", "content", BIN);
      int n = 0;
      for (Object[] req : requests()) {
        JsonObject args = (JsonObject) req[1];
        List<Object> kv = new ArrayList<>();
        for (String k : args.fieldNames()) {
          kv.add(k);
          kv.add(args.getValue(k));
        }
        JsonObject reply = ws.call((String) req[0], kv.toArray());
        if (!reply.getBoolean("ok")) {
          String code = reply.getJsonObject("error").getString("code");
          assertNotEquals("internal", code, () -> req[0] + " " + args.encode() + " -> " + reply.encode());
        }
        if (req[0].equals("open") || req[0].equals("auth")) {
          ws.call("open", "project", "fz", "branch", "main"); // back where the next request expects to be
        }
        n++;
      }
      assertEquals(requests().size(), n);
      ws.ok("ping");
    }
  }
}
