package io.branchwork.support;


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
public final class SockJsBridge implements BridgeClient {

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

  @Override
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

  @Override
  public void register(String address, String token) {
    ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address)
        .put("headers", new JsonObject().put("token", token)).encode());
  }

  @Override
  public BlockingQueue<JsonObject> in() {
    return in;
  }

  @Override
  public io.vertx.core.Future<Void> closed() {
    return closed.future();
  }

  /** SockJS frames: "rec" for a message, "err" with "rejected" (our rules) or "access_denied" (its address list). */
  @Override
  public boolean isMessage(JsonObject frame) {
    return "rec".equals(frame.getString("type"));
  }

  @Override
  public boolean isDenied(JsonObject frame) {
    return "err".equals(frame.getString("type"))
        && ("rejected".equals(frame.getString("body")) || "access_denied".equals(frame.getString("body")));
  }

  @Override
  public void close() {
    ws.close();
  }
}
