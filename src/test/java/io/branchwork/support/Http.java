package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A blocking HTTP client for tests, on the JDK's client over real loopback sockets. */
public final class Http {

  /** One answer. */
  public record Response(int status, byte[] body, HttpResponse<byte[]> raw) {
    public Response expect(int expected) {
      assertEquals(expected, status, () -> "HTTP " + status + ": " + text());
      return this;
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }

    public JsonArray array() {
      return new JsonArray(text());
    }

    /** The contract error code of an error body. */
    public String code() {
      return json().getString("code");
    }
  }

  private final String base;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public Http(String base) {
    this.base = base;
  }

  /** Registers {@code user} (password {@code "password-" + user}) and answers a session token. */
  public String register(String user) {
    postJson("/api/users", null, new JsonObject().put("username", user).put("password", "password-" + user))
        .expect(201);
    return signIn(user);
  }

  /** Signs {@code user} in (password {@code "password-" + user}) and answers the session token. */
  public String signIn(String user) {
    return postJson("/api/sessions", null, new JsonObject().put("username", user).put("password", "password-" + user))
        .expect(200).json().getString("token");
  }

  public Response get(String path, String token) {
    return send(builder(path, token).GET());
  }

  public Response delete(String path, String token) {
    return send(builder(path, token).DELETE());
  }

  public Response postJson(String path, String token, JsonObject body) {
    return postRaw(path, token, body.encode().getBytes(StandardCharsets.UTF_8), "application/json");
  }

  public Response postRaw(String path, String token, byte[] body, String contentType) {
    return send(builder(path, token).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** A request with no body and the given headers (HEAD, conditional GETs, ...). */
  public Response send(String method, String path, Map<String, String> headers) {
    HttpRequest.Builder b = builder(path, null).method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return send(b);
  }

  private HttpRequest.Builder builder(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private Response send(HttpRequest.Builder b) {
    try {
      HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
