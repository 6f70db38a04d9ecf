package io.branchwork.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Await;
import io.branchwork.support.Http;
import io.branchwork.support.TcpBridgeClient;
import io.branchwork.support.TestIdp;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Sign-in with an OpenID Connect provider run by the test on loopback. */
@Timeout(120)
class OidcTest {

  @TempDir
  Path dir;

  private Vertx idpVertx;
  private TestIdp idp;

  @BeforeEach
  void setUp() throws Exception {
    idpVertx = Vertx.vertx();
    idp = new TestIdp(idpVertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    idp.close();
    idpVertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("Verifies that a provider's JWT is a bearer token at /api, /ws, the TCP bridge and git smart HTTP (Bearer and Basic password), and that its first use provisions the user")
  void bearerAtEveryDoor() throws Exception {
    JsonObject conf = idp.config().put("bridge", new JsonObject().put("tcp", new JsonObject().put("port",
        TestNode.freePort())));
    try (TestNode node = TestNode.start(dir.resolve("data"), conf)) {
      String jwt = idp.token("carol");
      assertEquals(0, node.http.get("/api/projects", jwt).expect(200).array().size());
      node.http.postJson("/api/projects", jwt, new JsonObject().put("id", "p")).expect(201);
      assertEquals("owner", node.http.get("/api/projects", jwt).array().getJsonObject(0).getString("role"));
      try (WsClient ws = WsClient.connect(node.vertx, node.node.port(), jwt)) {
        ws.ok("open", "project", "p", "branch", "main");
        ws.ok("write", "path", "a.scad", "content", "cube(1);".getBytes(StandardCharsets.UTF_8));
      }
      try (TcpBridgeClient tcp = new TcpBridgeClient(node.node.tcpBridgePort())) {
        JsonObject reg = tcp.send("allocator", jwt, new JsonObject().put("op", "register").put("project", "p")
            .put("branch", "main").put("holder", "tcp-1"));
        assertTrue(tcp.isMessage(reg), reg.encode());
        JsonObject list = tcp.send("workspace.p.main", jwt, new JsonObject().put("op", "list"));
        assertTrue(tcp.isMessage(list) && list.encode().contains("a.scad"), list.encode());
      }
      String refs = "/git/p/info/refs?service=git-upload-pack";
      assertEquals(200, node.http.send("GET", refs, Map.of("Authorization", "Bearer " + jwt)).status());
      assertEquals(200, node.http.send("GET", refs, Map.of("Authorization", basic("carol", jwt))).status());
      assertEquals(401, node.http.send("GET", refs, Map.of("Authorization", basic("mallory", jwt))).status());
      assertTrue(idp.jwksFetches.get() <= 2, "keys fetched at start only (discovery's provider and the bearer"
          + " verifier): " + idp.jwksFetches.get());
      assertEquals(0, idp.userinfoCalls.get());
    }
  }

  @Test
  @DisplayName("Verifies that wrong audience or issuer, expiry, not-before, alg none, HS256 keyed with the public key, a stranger's key, a bad user-name claim and a token only the userinfo endpoint would vouch for are all refused, and userinfo is never asked")
  void refusals() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), idp.config())) {
      long now = System.currentTimeMillis() / 1000;
      JsonObject ok = idp.claims("carol");
      Map<String, String> cases = new java.util.LinkedHashMap<>();
      cases.put("another audience", idp.sign(ok.copy().put("aud", "some-other-client")));
      cases.put("audiences without ours", idp.sign(ok.copy().put("aud", new io.vertx.core.json.JsonArray().add("x"))));
      cases.put("another issuer", idp.sign(ok.copy().put("iss", "http://127.0.0.1:1")));
      cases.put("expired beyond the skew", idp.sign(ok.copy().put("exp", now - 600)));
      cases.put("no exp", idp.sign(ok.copy().put("exp", (Object) null)));
      cases.put("not valid yet", idp.sign(ok.copy().put("nbf", now + 600)));
      cases.put("alg none", idp.unsigned(ok));
      cases.put("HS256 keyed with the public key", idp.hmacWithPublicKey(ok));
      cases.put("a stranger's key under a new kid", idp.signWithStrangerKey(ok, "stranger"));
      cases.put("a stranger's key under the provider's kid", forgedUnderKnownKid(ok));
      cases.put("a user name Branchwork cannot hold", idp.sign(ok.copy().put("preferred_username", "bad name!")));
      cases.put("no user name claim", idp.sign(ok.copy().put("preferred_username", (Object) null)));
      cases.put("no subject", idp.sign(ok.copy().put("sub", (Object) null)));
      cases.put("garbage", "a.b.c");
      for (var c : cases.entrySet()) {
        Http.Response r = node.http.get("/api/projects", c.getValue());
        assertEquals(401, r.status(), c.getKey() + ": " + r.text());
      }
      assertEquals(0, idp.userinfoCalls.get(), "the userinfo endpoint is never a way in");
      assertEquals(200, node.http.get("/api/projects", idp.sign(ok)).status(), "and the good token works");
    }
  }

  /** A token whose header names the provider's current key id, signed by another key. */
  private String forgedUnderKnownKid(JsonObject claims) throws Exception {
    String real = idp.sign(claims);
    String kid = new JsonObject(new String(Base64.getUrlDecoder().decode(real.substring(0, real.indexOf('.'))),
        StandardCharsets.UTF_8)).getString("kid");
    return idp.signWithStrangerKey(claims, kid);
  }

  @Test
  @DisplayName("Verifies that a rotated provider key is fetched when a token names it, and that unknown key ids refetch the JWKS at most once per auth.oidc.jwksRefreshMs")
  void keyRotation() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), idp.config())) {
      assertEquals(200, node.http.get("/api/projects", idp.token("carol")).status());
      idp.rotate();
      String rotated = idp.token("carol");
      Await.until("the rotated key accepted (a refetch at most every second)", 10_000,
          () -> node.http.get("/api/projects", rotated).status() == 200);
      java.util.List<String> forged = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        forged.add(idp.signWithStrangerKey(idp.claims("carol"), "k" + i));
      }
      int fetches = idp.jwksFetches.get();
      long t0 = System.nanoTime();
      for (String f : forged) {
        assertEquals(401, node.http.get("/api/projects", f).status());
      }
      long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
      assertTrue(idp.jwksFetches.get() - fetches <= 1 + seconds, "50 forged key ids in " + seconds
          + " s refetched the keys " + (idp.jwksFetches.get() - fetches) + " times (at most once a second)");
    }
  }

  @Test
  @DisplayName("Verifies that a provider name colliding with a local user, or with another subject's provisioned user, is refused and not merged")
  void collisions() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), idp.config())) {
      node.login("dave");
      Http.Response r = node.http.get("/api/projects", idp.token("dave"));
      assertEquals(403, r.status(), r.text());
      assertTrue(r.text().contains("belongs to another account"), r.text());
      assertEquals(200, node.http.get("/api/projects", idp.token("erin")).status());
      Http.Response other = node.http.get("/api/projects", idp.sign(idp.claims("erin").put("sub", "someone-else")));
      assertEquals(403, other.status(), other.text());
      assertEquals(401, node.http.postJson("/api/sessions", null, new JsonObject().put("username", "erin")
          .put("password", "oidc:" + idp.issuer() + "#sub-erin")).status(), "a provisioned user has no password");
    }
  }

  @Test
  @DisplayName("Verifies the page's sign-in: authorization code with PKCE through the provider, exchanged for a Branchwork session; a wrong verifier is refused; auth.local=false turns password sign-in and registration off")
  void codeFlowAndLocalOff() throws Exception {
    JsonObject conf = idp.config();
    conf.getJsonObject("auth").put("local", false);
    try (TestNode node = TestNode.start(dir.resolve("data"), conf)) {
      JsonObject methods = node.http.get("/api/auth", null).expect(200).json();
      assertEquals(false, methods.getBoolean("local"));
      assertEquals("Test IdP", methods.getJsonObject("provider").getString("name"));
      assertEquals(403, node.http.postJson("/api/users", null, new JsonObject().put("username", "x")
          .put("password", "password-x")).status());
      assertEquals(403, node.http.postJson("/api/sessions", null, new JsonObject().put("username", "x")
          .put("password", "password-x")).status());

      String redirect = "http://127.0.0.1:" + node.node.port() + "/";
      String verifier = "v".repeat(20) + java.util.UUID.randomUUID().toString().replace("-", "");
      JsonObject session = signIn(node, redirect, verifier, verifier);
      assertEquals("carol", session.getString("username"));
      assertEquals(200, node.http.get("/api/projects", session.getString("token")).status());
      assertEquals(401, node.http.postJson("/api/auth/oidc/token", null, new JsonObject().put("code", "nope")
          .put("verifier", verifier).put("redirectUri", redirect)).status());
      Http.Response wrong = node.http.postJson("/api/auth/oidc/token", null, codeFor(node, redirect, verifier)
          .put("verifier", "w".repeat(43)));
      assertEquals(401, wrong.status(), wrong.text());
    }
  }

  @Test
  @DisplayName("Verifies that the sign-in routes refuse what a hostile page sends (a non-http redirect, a challenge that is not S256's, an oversized state or code, missing fields) with bad_request, and answer not_found on a node without a provider")
  void signInRoutesCheckTheirInput() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), idp.config())) {
      String ok = TestIdp.s256("v".repeat(43));
      JsonObject good = new JsonObject().put("redirectUri", "http://127.0.0.1/").put("state", "s").put("challenge", ok);
      for (JsonObject bad : new JsonObject[] {
          good.copy().put("redirectUri", "javascript:alert(1)"),
          good.copy().put("redirectUri", "http://x/" + "a".repeat(2048)),
          good.copy().put("challenge", "short"),
          good.copy().put("challenge", ok.substring(0, 40) + "+/="),
          good.copy().put("state", "s".repeat(257)),
          good.copy().put("state", ""),
          good.copy().putNull("challenge")}) {
        Http.Response r = node.http.postJson("/api/auth/oidc/authorize", null, bad);
        assertEquals(400, r.status(), bad.encode() + ": " + r.text());
      }
      assertEquals(200, node.http.postJson("/api/auth/oidc/authorize", null, good).status());
      JsonObject exchange = new JsonObject().put("code", "c").put("verifier", "v".repeat(43))
          .put("redirectUri", "http://127.0.0.1/");
      assertEquals(400, node.http.postJson("/api/auth/oidc/token", null, exchange.copy().put("code", "c".repeat(4097)))
          .status());
      assertEquals(400, node.http.postJson("/api/auth/oidc/token", null, exchange.copy().put("verifier", "v".repeat(129)))
          .status());
      assertEquals(400, node.http.postJson("/api/auth/oidc/token", null, exchange.copy().putNull("code")).status());
    }
    try (TestNode plain = TestNode.start(dir.resolve("plain"))) {
      assertEquals(404, plain.http.postJson("/api/auth/oidc/authorize", null, new JsonObject()).status());
      assertEquals(JsonObject.of("local", true, "registration", true, "provider", null),
          plain.http.get("/api/auth", null).expect(200).json());
    }
  }

  /** The page's steps: the authorization URL, the provider's redirect back, the code exchange. */
  private JsonObject signIn(TestNode node, String redirect, String verifier, String sent) throws Exception {
    return node.http.postJson("/api/auth/oidc/token", null, codeFor(node, redirect, verifier).put("verifier", sent))
        .expect(200).json();
  }

  private JsonObject codeFor(TestNode node, String redirect, String verifier) throws Exception {
    String url = node.http.postJson("/api/auth/oidc/authorize", null, new JsonObject().put("redirectUri", redirect)
        .put("state", "st-1").put("challenge", TestIdp.s256(verifier))).expect(200).json().getString("url");
    assertTrue(url.startsWith(idp.issuer() + "/authorize?"), url);
    assertTrue(url.contains("code_challenge_method=S256"), url);
    HttpResponse<String> back = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(302, back.statusCode());
    URI location = URI.create(back.headers().firstValue("Location").orElseThrow());
    assertTrue(location.getQuery().contains("state=st-1"), location.toString());
    String code = location.getQuery().replaceAll(".*code=([^&]+).*", "$1");
    return new JsonObject().put("code", code).put("redirectUri", redirect);
  }
}
