package io.branchwork.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock git client clones and fetches a project over smart HTTP, protocol v2 and v0, and sees
 * the live state: a commit made in an open workspace a moment ago. Credentials as git sends them.
 */
@Timeout(120)
class GitHttpCloneTest {

  @TempDir
  static Path dir;
  static TestNode node;
  static String token;
  static final WorkspaceKey KEY = new WorkspaceKey("gh", "main");

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("gina");
    node.openNewProject(token, "gh", "h");
    node.writeText(KEY, "gina", "a.txt", "alpha\n");
    node.ws(KEY, "gina", "commit", new JsonObject().put("message", "first"));
    node.writeText(KEY, "gina", "draft.txt", "not committed\n");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String url(String user, String secret) {
    return "http://" + (user == null ? "" : user + ":" + secret + "@") + "127.0.0.1:" + node.node.port() + "/git/gh.git";
  }

  private static String head() {
    return node.ws(KEY, "gina", "log", new JsonObject().put("limit", 1)).getJsonArray("commits").getJsonObject(0)
        .getString("commit");
  }

  @Test
  @DisplayName("Verifies that git clone (protocol v2 and v0) gets the live branch, and git fetch a commit made in the workspace since")
  void cloneAndFetchTheLiveState() throws Exception {
    Path v2 = dir.resolve("v2");
    Cli.run(dir, "git", "-c", "protocol.version=2", "clone", "-q", url("gina", token), v2.toString());
    assertEquals("alpha\n", Files.readString(v2.resolve("a.txt")));
    assertFalse(Files.exists(v2.resolve("draft.txt")), "uncommitted work stays in the workspace");
    assertEquals(head(), Cli.run(v2, "git", "rev-parse", "HEAD").trim());
    Cli.run(v2, "git", "fsck", "--strict");

    Path v0 = dir.resolve("v0");
    Cli.run(dir, "git", "-c", "protocol.version=0", "clone", "-q", url("gina", token), v0.toString());
    assertEquals(head(), Cli.run(v0, "git", "rev-parse", "HEAD").trim());

    node.ws(KEY, "gina", "commit", new JsonObject().put("message", "second"));
    String live = head();
    Cli.run(v2, "git", "fetch", "-q", "origin");
    assertEquals(live, Cli.run(v2, "git", "rev-parse", "origin/main").trim());
    assertEquals("not committed\n", Cli.run(v2, "git", "show", "origin/main:draft.txt"));
  }

  @Test
  @DisplayName("Verifies that fetches stay right while the store compacts the project's packs under the node's mirror of them")
  void fetchAcrossCompaction() throws Exception {
    WorkspaceKey key = node.openNewProject(token, "gcompact", "hc");
    node.writeText(key, "gina", "f.txt", "0\n");
    node.ws(key, "gina", "commit", new JsonObject().put("message", "c0"));
    String url = url("gina", token).replace("/gh.git", "/gcompact.git");
    Path clone = dir.resolve("compact");
    Cli.run(dir, "git", "clone", "-q", url, clone.toString());
    int packsBefore = packs("gcompact");
    String last = null;
    for (int i = 1; i <= 20; i++) {
      node.writeText(key, "gina", "f.txt", i + "\n");
      last = node.ws(key, "gina", "commit", new JsonObject().put("message", "c" + i)).getString("commit");
      if (i % 5 == 0) {
        Cli.run(clone, "git", "fetch", "-q", "origin");
        assertEquals(last, Cli.run(clone, "git", "rev-parse", "origin/main").trim());
      }
    }
    io.branchwork.support.Await.until("the store to compact the project's packs", 30_000,
        () -> packs("gcompact") < packsBefore + 20);
    node.writeText(key, "gina", "f.txt", "after\n");
    last = node.ws(key, "gina", "commit", new JsonObject().put("message", "after compaction")).getString("commit");
    Cli.run(clone, "git", "fetch", "-q", "origin");
    assertEquals(last, Cli.run(clone, "git", "rev-parse", "origin/main").trim());
    Path fresh = dir.resolve("compact-fresh");
    Cli.run(dir, "git", "clone", "-q", url, fresh.toString());
    assertEquals("after\n", Files.readString(fresh.resolve("f.txt")));
    Cli.run(fresh, "git", "fsck", "--strict");
  }

  private static int packs(String project) {
    try {
      return node.node.services().store().repoState(project).await(10, java.util.concurrent.TimeUnit.SECONDS)
          .packs().size();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("Verifies credentials: none or a bad token is 401 with a Basic challenge, a bearer token works, a stranger finds no repository, a reader may not push, a body that is no push is 400")
  void credentials() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String refs = "http://127.0.0.1:" + node.node.port() + "/git/gh.git/info/refs?service=git-upload-pack";
    HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(refs)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), none.headers().toString());
    assertEquals(401, get(http, refs, "Basic " + basic("gina", "not-a-token")).statusCode());
    assertEquals(401, get(http, refs, "Basic %%%not-base64").statusCode(), "malformed Basic credentials");
    assertEquals(401, get(http, refs, "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(
        StandardCharsets.UTF_8))).statusCode(), "Basic credentials without a password");
    assertEquals(401, get(http, refs, "Digest whatever").statusCode(), "an unknown scheme");
    HttpResponse<String> pushRefs = get(http, refs.replace("git-upload-pack", "git-receive-pack"), "Bearer " + token);
    assertEquals(200, pushRefs.statusCode(), pushRefs.body());
    assertTrue(pushRefs.body().startsWith("001f# service=git-receive-pack\n"), pushRefs.body());
    assertFalse(pushRefs.body().contains("refs/branchwork/"), "hidden refs are never advertised");
    assertEquals(403, get(http, refs.replace("git-upload-pack", "git-dumb-walk"), "Bearer " + token).statusCode(),
        "only the smart services");
    assertEquals(404, get(http, refs.replace("/gh.git/", "/..%2F..%2Fetc.git/"), "Bearer " + token).statusCode(),
        "a project segment that is no project id");
    assertEquals(401, get(http, refs, "Basic " + basic("someone-else", token)).statusCode(),
        "a token is only good with its own user's name");
    HttpResponse<String> bearer = get(http, refs, "Bearer " + token);
    assertEquals(200, bearer.statusCode());
    assertEquals("application/x-git-upload-pack-advertisement", bearer.headers().firstValue("Content-Type").orElse(""));
    assertTrue(bearer.body().startsWith("001e# service=git-upload-pack\n"), bearer.body());
    assertFalse(bearer.body().contains("refs/branchwork/"), "hidden refs are never advertised");

    String stranger = node.login("stan");
    assertEquals(404, get(http, refs, "Basic " + basic("stan", stranger)).statusCode());
    assertEquals(404, get(http, refs.replace("/gh.git/", "/nope.git/"), "Bearer " + token).statusCode());

    Cli.Result noCreds = Cli.exec(dir, "env", "GIT_TERMINAL_PROMPT=0", "git", "clone", "-q", url(null, null),
        dir.resolve("nocreds").toString());
    assertTrue(noCreds.exit() != 0, noCreds.out());
    HttpResponse<String> push = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + node.node.port() + "/git/gh.git/git-receive-pack"))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString("not a push")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, push.statusCode(), push.body());
    String reader = node.login("rhea");
    node.http.postJson("/api/projects/gh/members", token, new JsonObject().put("username", "rhea").put("role", "reader"))
        .expect(204);
    assertEquals(403, get(http, refs.replace("git-upload-pack", "git-receive-pack"), "Bearer " + reader).statusCode(),
        "a reader may not push");
  }

  @Test
  @DisplayName("Verifies that a request that is not the protocol, or a small gzip body that inflates without end, is 400 and the node goes on serving")
  void hostileRequests() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String uploadPack = "http://127.0.0.1:" + node.node.port() + "/git/gh.git/git-upload-pack";
    java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
    try (var gz = new java.util.zip.GZIPOutputStream(zipped)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 200; i++) {
        gz.write(zeros); // 200 MiB of zeros: about 200 KiB on the wire
      }
    }
    HttpResponse<String> bomb = http.send(HttpRequest.newBuilder(URI.create(uploadPack))
        .header("Authorization", "Bearer " + token).header("Content-Encoding", "gzip")
        .header("Content-Type", "application/x-git-upload-pack-request")
        .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, bomb.statusCode(), bomb.body());
    HttpResponse<String> junk = http.send(HttpRequest.newBuilder(URI.create(uploadPack))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-git-upload-pack-request")
        .POST(HttpRequest.BodyPublishers.ofString("this is not a pkt-line")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, junk.statusCode(), junk.body());
    Path again = dir.resolve("again");
    Cli.run(dir, "git", "clone", "-q", url("gina", token), again.toString());
    assertTrue(Files.exists(again.resolve("a.txt")));
  }

  private static HttpResponse<String> get(HttpClient http, String url, String authorization) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String secret) {
    return Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
