package io.branchwork.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Personal access tokens ({@code /api/tokens}): made by a signed-in session, shown once, stored
 * hashed, listed and revoked; usable as git's password and as a Bearer token at every door, with
 * the read scope capping the user's role everywhere.
 */
@Timeout(120)
class AccessTokensTest {

  @TempDir
  static Path dir;
  static TestNode node;
  static String session;
  static final WorkspaceKey KEY = new WorkspaceKey("pat", "main");

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    session = node.login("tia");
    node.openNewProject(session, "pat", "h");
    node.writeText(KEY, "tia", "a.txt", "alpha\n");
    node.ws(KEY, "tia", "commit", new JsonObject().put("message", "first"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static JsonObject make(String name, String scope) {
    return node.http.postJson("/api/tokens", session, new JsonObject().put("name", name).put("scope", scope)
        .put("expiresInDays", 7)).expect(201).json();
  }

  private static String url(String secret) {
    return "http://tia:" + secret + "@127.0.0.1:" + node.node.port() + "/git/pat.git";
  }

  @Test
  @DisplayName("Verifies that a token is shown once, stored as its hash only, listed without the secret, and expires when asked")
  void shownOnceStoredHashed() throws Exception {
    JsonObject made = make("laptop", "write");
    String secret = made.getString("token");
    assertTrue(secret.startsWith(AccessTokens.PREFIX), secret);
    long days = (made.getLong("expiresAt") - made.getLong("createdAt")) / 86_400_000L;
    assertEquals(7, days);
    JsonArray listed = node.http.get("/api/tokens", session).expect(200).array();
    JsonObject row = listed.stream().map(JsonObject.class::cast).filter(t -> t.getString("id")
        .equals(made.getString("id"))).findFirst().orElseThrow();
    assertEquals("laptop", row.getString("name"));
    assertEquals("write", row.getString("scope"));
    assertFalse(row.containsKey("token"), "a listed token never carries its secret");
    assertFalse(dbContains(secret), "the secret must not be stored, only its hash");
    assertTrue(node.node.services().store().findToken(Tokens.hash(secret)).await(10, TimeUnit.SECONDS).isPresent());

    assertEquals("conflict", node.http.postJson("/api/tokens", session, new JsonObject().put("name", "laptop")
        .put("scope", "read")).code(), "two tokens of one name");
    assertEquals("bad_request", node.http.postJson("/api/tokens", session, new JsonObject().put("name", "x")
        .put("scope", "admin")).code());
    assertEquals("bad_request", node.http.postJson("/api/tokens", session, new JsonObject().put("name", "x")
        .put("scope", "read").put("expiresInDays", 366)).code(), "past auth.accessTokenMaxDays");
    assertEquals("bad_request", node.http.postJson("/api/tokens", session, new JsonObject().put("name", "\u0000bad")
        .put("scope", "read")).code());
  }

  @Test
  @DisplayName("Verifies that a write token clones and pushes with git, a read token clones and may not push, and a revoked one is refused at once")
  void gitWithTokens() throws Exception {
    String write = make("git write", "write").getString("token");
    JsonObject readRow = make("git read", "read");
    String read = readRow.getString("token");
    Path w = dir.resolve("w");
    Cli.run(dir, "git", "clone", "-q", url(write), w.toString());
    assertEquals("alpha\n", Files.readString(w.resolve("a.txt")));
    Cli.run(w, "git", "-c", "user.name=tia", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", "by token");
    Cli.run(w, "git", "push", "-q", "origin", "HEAD:refs/heads/from-token");

    Path r = dir.resolve("r");
    Cli.run(dir, "git", "clone", "-q", url(read), r.toString());
    Cli.run(r, "git", "-c", "user.name=tia", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", "read");
    Cli.Result refused = Cli.exec(r, "git", "push", "-q", "origin", "HEAD:refs/heads/from-read-token");
    assertNotEquals(0, refused.exit(), refused.out());

    node.http.delete("/api/tokens/" + readRow.getString("id"), session).expect(204);
    Cli.Result revoked = Cli.exec(dir, "env", "GIT_TERMINAL_PROMPT=0", "git", "clone", "-q", url(read),
        dir.resolve("r2").toString());
    assertNotEquals(0, revoked.exit(), revoked.out());
    assertEquals("not_found", node.http.delete("/api/tokens/" + readRow.getString("id"), session).code());
  }

  @Test
  @DisplayName("Verifies that a read token is a reader everywhere: /ws writes are forbidden, reads work; the HTTP API refuses owner and write actions; tokens cannot manage tokens")
  void readScopeCapsTheRole() throws Exception {
    JsonObject readRow = make("ws read", "read");
    String read = readRow.getString("token");
    try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), read)) {
      ws.ok("open", "project", "pat", "branch", "main");
      assertEquals("alpha\n", new String(ws.ok("read", "path", "a.txt").getBinary("content")));
      ws.fails("forbidden", "write", "path", "b.txt", "content", new byte[] {1});
      ws.fails("forbidden", "commit", "message", "no");

      node.http.delete("/api/tokens/" + readRow.getString("id"), session).expect(204);
      assertEquals(1008, ws.awaitClose(), "the revoked token's connection closes");
    }
    String write = make("ws write", "write").getString("token");
    try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), write)) {
      ws.ok("open", "project", "pat", "branch", "main");
      ws.ok("write", "path", "b.txt", "content", new byte[] {1});
    }
    String api = make("api read", "read").getString("token");
    assertEquals(200, node.http.get("/api/projects", api).status());
    assertEquals("forbidden", node.http.postJson("/api/projects", api, new JsonObject().put("id", "nope")).code());
    assertEquals("forbidden", node.http.postJson("/api/projects/pat/members", api,
        new JsonObject().put("username", "tia").put("role", "owner")).code());
    assertEquals("forbidden", node.http.get("/api/tokens", api).code(), "a token cannot list tokens");
    assertEquals("forbidden", node.http.postJson("/api/tokens", write, new JsonObject().put("name", "minted")
        .put("scope", "write")).code(), "a token cannot mint tokens");
  }

  private static Path dbFile() throws Exception {
    try (var files = Files.list(node.dataDir.resolve("db"))) {
      return files.filter(p -> p.toString().endsWith(".db")).findFirst().orElseThrow();
    }
  }

  private static boolean dbContains(String secret) throws Exception {
    return new String(Files.readAllBytes(dbFile()), java.nio.charset.StandardCharsets.ISO_8859_1).contains(secret);
  }
}
