package io.branchwork.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small OpenID Connect provider on loopback, run by the tests: discovery, JWKS (with key
 * rotation), an authorization endpoint that approves at once (as the user it is told), a token
 * endpoint that checks PKCE, and a userinfo endpoint that vouches for any token (to show it is
 * never asked).
 */
public final class TestIdp implements AutoCloseable {

  public static final String CLIENT_ID = "branchwork";

  private record Key(String kid, KeyPair pair) {}

  private record Grant(String challenge, String redirect, String user, String sub) {}

  public final AtomicInteger jwksFetches = new AtomicInteger();
  public final AtomicInteger userinfoCalls = new AtomicInteger();
  private final HttpServer server;
  private final List<Key> published = new ArrayList<>();
  private volatile Key current;
  private final Map<String, Grant> codes = new ConcurrentHashMap<>();
  /** Who the authorization endpoint signs in. */
  private volatile String user = "carol";

  public TestIdp(Vertx vertx) throws Exception {
    current = newKey();
    published.add(current);
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  public String issuer() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** The config keys that point a node at this provider. */
  public JsonObject config() {
    return new JsonObject().put("auth", new JsonObject().put("oidc", new JsonObject().put("issuer", issuer())
        .put("clientId", CLIENT_ID).put("name", "Test IdP").put("jwksRefreshMs", 1000)));
  }

  public void signInAs(String user) {
    this.user = user;
  }

  private static Key newKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return new Key(UUID.randomUUID().toString().substring(0, 8), g.generateKeyPair());
  }

  /** A new signing key; the JWKS publishes only it from now on. */
  public synchronized void rotate() throws Exception {
    current = newKey();
    published.clear();
    published.add(current);
  }

  /** Claims for {@code user} (subject {@code "sub-" + user}) for Branchwork, valid for five minutes. */
  public JsonObject claims(String user) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("iss", issuer()).put("aud", CLIENT_ID).put("sub", "sub-" + user)
        .put("preferred_username", user).put("iat", now).put("exp", now + 300);
  }

  public String token(String user) throws Exception {
    return sign(claims(user));
  }

  /** RS256 with the current key. */
  public String sign(JsonObject claims) throws Exception {
    return sign(claims, current.kid(), current.pair());
  }

  private Key stranger;

  /** RS256 with a key the JWKS does not publish (always the same one), under {@code kid}. */
  public synchronized String signWithStrangerKey(JsonObject claims, String kid) throws Exception {
    if (stranger == null) {
      stranger = newKey();
    }
    return sign(claims, kid, stranger.pair());
  }

  private static String sign(JsonObject claims, String kid, KeyPair pair) throws Exception {
    String input = part(new JsonObject().put("alg", "RS256").put("typ", "JWT").put("kid", kid)) + "." + part(claims);
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(pair.getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64(s.sign());
  }

  /** {@code alg: none}, no signature. */
  public String unsigned(JsonObject claims) {
    return part(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + part(claims) + ".";
  }

  /** HS256 keyed with the current public key's bytes: the classic confusion attack. */
  public String hmacWithPublicKey(JsonObject claims) throws Exception {
    String input = part(new JsonObject().put("alg", "HS256").put("typ", "JWT").put("kid", current.kid())) + "."
        + part(claims);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(current.pair().getPublic().getEncoded(), "HmacSHA256"));
    return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String part(JsonObject json) {
    return b64(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String unsigned(BigInteger i) {
    byte[] b = i.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      byte[] t = new byte[b.length - 1];
      System.arraycopy(b, 1, t, 0, t.length);
      return b64(t);
    }
    return b64(b);
  }

  private synchronized JsonObject jwks() {
    JsonArray keys = new JsonArray();
    for (Key k : published) {
      RSAPublicKey pub = (RSAPublicKey) k.pair().getPublic();
      keys.add(new JsonObject().put("kty", "RSA").put("kid", k.kid()).put("use", "sig").put("alg", "RS256")
          .put("n", unsigned(pub.getModulus())).put("e", unsigned(pub.getPublicExponent())));
    }
    return new JsonObject().put("keys", keys);
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    switch (path) {
      case "/.well-known/openid-configuration" -> json(req, 200, new JsonObject().put("issuer", issuer())
          .put("authorization_endpoint", issuer() + "/authorize").put("token_endpoint", issuer() + "/token")
          .put("userinfo_endpoint", issuer() + "/userinfo").put("jwks_uri", issuer() + "/jwks")
          .put("response_types_supported", new JsonArray().add("code"))
          .put("subject_types_supported", new JsonArray().add("public"))
          .put("id_token_signing_alg_values_supported", new JsonArray().add("RS256"))
          .put("code_challenge_methods_supported", new JsonArray().add("S256")));
      case "/jwks" -> {
        jwksFetches.incrementAndGet();
        json(req, 200, jwks());
      }
      case "/userinfo" -> {
        userinfoCalls.incrementAndGet();
        json(req, 200, new JsonObject().put("sub", "sub-" + user).put("preferred_username", user));
      }
      case "/authorize" -> {
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(req.getParam("code_challenge"), req.getParam("redirect_uri"), user, "sub-" + user));
        String sep = req.getParam("redirect_uri").contains("?") ? "&" : "?";
        req.response().setStatusCode(302).putHeader("Location", req.getParam("redirect_uri") + sep + "code=" + code
            + "&state=" + java.net.URLEncoder.encode(req.getParam("state"), StandardCharsets.UTF_8)).end();
      }
      case "/token" -> req.setExpectMultipart(true).end().onSuccess(v -> {
        Grant g = codes.remove(String.valueOf(req.getFormAttribute("code")));
        String verifier = req.getFormAttribute("code_verifier");
        if (g == null || verifier == null || !g.challenge().equals(s256(verifier))
            || !g.redirect().equals(req.getFormAttribute("redirect_uri"))) {
          json(req, 400, new JsonObject().put("error", "invalid_grant"));
          return;
        }
        try {
          JsonObject c = claims(g.user());
          json(req, 200, new JsonObject().put("access_token", sign(c)).put("id_token", sign(c))
              .put("token_type", "Bearer").put("expires_in", 300));
        } catch (Exception e) {
          json(req, 500, new JsonObject().put("error", e.toString()));
        }
      });
      default -> req.response().setStatusCode(404).end();
    }
  }

  public static String s256(String verifier) {
    try {
      return b64(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
