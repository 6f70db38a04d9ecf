package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A SockJS bridge connection over SockJS's raw WebSocket transport: sends the bridge's JSON frames, collects what comes back. */
public final class SockJsBridge implements AutoCloseable {

  public final WebSocket ws;
  public final BlockingQueue<JsonObject> in = new LinkedBlockingQueue<>();
  /** Completes when the server closes the socket. */
  public final Promise<Void> closed = Promise.promise();
  private final AtomicInteger replies = new AtomicInteger();

  public SockJsBridge(WebSocketClient client, int port) throws Exception {
    ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/eventbus/websocket")).await(10, TimeUnit.SECONDS);
    ws.handler(buf -> in.add(new JsonObject(buf.toString(StandardCharsets.UTF_8))));
    ws.closeHandler(v -> closed.tryComplete());
  }

  public JsonObject send(String address, String token, JsonObject body) throws Exception {
    String reply = "reply-" + replies.incrementAndGet();
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", reply);
    if (token != null) {
      frame.put("headers", new JsonObject().put("token", token));
    }
    return sendFrame(frame);
  }

  /** Sends a frame as given (for malformed ones) and answers what comes back. */
  public JsonObject sendFrame(JsonObject frame) throws Exception {
    ws.writeTextMessage(frame.encode());
    return next();
  }

  public void register(String address, String token) {
    ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address)
        .put("headers", new JsonObject().put("token", token)).encode());
  }

  public JsonObject next() throws Exception {
    JsonObject m = in.poll(10, TimeUnit.SECONDS);
    assertTrue(m != null, "nothing came back");
    return m;
  }

  @Override
  public void close() {
    ws.close();
  }
}
