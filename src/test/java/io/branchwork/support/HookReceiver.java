package io.branchwork.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on loopback: every request it gets is queued as an {@link Arrival}, and
 * {@code answer} decides the status of each (-1: never answer).
 */
public final class HookReceiver implements AutoCloseable {

  /** One request as received: headers (lower-cased names), raw body, when (nanoTime). */
  public record Arrival(Map<String, String> headers, String body, long nanos) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase());
    }

    /** Whether the signature header is the HMAC-SHA256 of the body with {@code secret}. */
    public boolean signedWith(String secret) throws Exception {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
      return expected.equals(header("X-Branchwork-Signature-256"));
    }
  }

  public final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
  private final HttpServer server;
  private volatile Function<Arrival, Integer> answer = a -> 204;

  public HookReceiver(Vertx vertx) throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  public HookReceiver answering(Function<Arrival, Integer> answer) {
    this.answer = answer;
    return this;
  }

  /** From now on accepts everything (204), adding each delivery's {@code after} to {@code into}. */
  public void recordAfters(Set<String> into) {
    answering(a -> {
      into.add(a.json().getString("after"));
      return 204;
    });
  }

  /**
   * Through the node at {@code http} (WebSocket on {@code port}): registers alice, creates project
   * {@code p} with a {@code commit} hook to {@code path} here, and commits {@code commits} times;
   * answers the acknowledged commit ids.
   */
  public Set<String> aliceCommits(Vertx client, Http http, int port, String path, int commits) {
    String token = http.register("alice");
    http.postJson("/api/projects", token, new JsonObject().put("id", "p")).expect(201);
    http.postJson("/api/projects/p/hooks", token, new JsonObject().put("url", url(path))
        .put("events", new JsonArray().add("commit"))).expect(201);
    Set<String> acknowledged = new HashSet<>();
    try (WsClient ws = WsClient.connect(client, port, token)) {
      ws.ok("open", "project", "p", "branch", "main");
      for (int i = 0; i < commits; i++) {
        ws.ok("write", "path", "a.scad", "content", ("cube(" + i + ");").getBytes(StandardCharsets.UTF_8));
        acknowledged.add(ws.ok("commit", "message", "c" + i).getString("commit"));
      }
    }
    return acknowledged;
  }

  public int port() {
    return server.actualPort();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(b -> {
      Map<String, String> headers = new TreeMap<>();
      req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
      Arrival a = new Arrival(headers, b.toString(StandardCharsets.UTF_8), System.nanoTime());
      arrivals.add(a);
      int status = answer.apply(a);
      if (status < 0) {
        return;
      }
      if (status / 100 == 3) {
        req.response().putHeader("Location", "http://127.0.0.1:1/elsewhere");
      }
      req.response().setStatusCode(status).end(status / 100 == 2 ? "" : "receiver said " + status);
    });
  }

  /** The next arrival, or fails after {@code seconds}. */
  public Arrival next(long seconds) throws InterruptedException {
    Arrival a = arrivals.poll(seconds, TimeUnit.SECONDS);
    if (a == null) {
      throw new AssertionError("no webhook arrived within " + seconds + " s");
    }
    return a;
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
