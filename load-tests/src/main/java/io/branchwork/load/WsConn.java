package io.branchwork.load;

import io.branchwork.gateway.WireCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** One client connection to {@code /ws}, speaking the wire contract; replies matched by id. */
final class WsConn {

  final WebSocket ws;
  /**
   * Pushes ({@code {"event",...}}), in arrival order: the last {@link #KEPT_EVENTS} only. A write
   * cell pushes every change to every other client (15 events a write at 16 clients); kept
   * without end they were hundreds of MB of garbage for the harness's own collector to trace.
   */
  final java.util.concurrent.BlockingQueue<JsonObject> events = new java.util.concurrent.LinkedBlockingQueue<>();
  private static final int KEPT_EVENTS = 1024;
  /** Pushes received by every connection of this JVM, for a cell's events per second. */
  static final java.util.concurrent.atomic.LongAdder EVENTS = new java.util.concurrent.atomic.LongAdder();
  private final Map<Long, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();
  volatile boolean closedByServer;

  private WsConn(WebSocket ws) {
    this.ws = ws;
    ws.binaryMessageHandler(b -> {
      JsonObject m = WireCodec.decode(b);
      if (m.containsKey("event")) {
        EVENTS.increment();
        if (events.size() >= KEPT_EVENTS) {
          events.poll();
        }
        events.add(m);
        return;
      }
      Long id = m.getLong("id");
      Promise<JsonObject> p = id == null ? null : pending.remove(id);
      if (p != null) {
        p.complete(m);
      }
    });
    ws.closeHandler(v -> closedByServer = true);
  }

  static Future<WsConn> connect(WebSocketClient client, int port, String token) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")
        .addHeader("Authorization", "Bearer " + token);
    return client.connect(o).map(WsConn::new);
  }

  /** Sends one request; answers the reply (ok or not). Safe from any thread. */
  Future<JsonObject> call(JsonObject request) {
    Promise<JsonObject> p = Promise.promise();
    long id = nextId.incrementAndGet();
    pending.put(id, p);
    ws.writeBinaryMessage(WireCodec.encode(request.copy().put("id", id)));
    return p.future();
  }

  /** Like {@link #call} but fails when the reply is an error. */
  Future<JsonObject> ok(JsonObject request) {
    return call(request).compose(r -> Boolean.TRUE.equals(r.getBoolean("ok"))
        ? Future.succeededFuture(r.getJsonObject("result"))
        : Future.failedFuture(new IllegalStateException(request.getString("op") + ": " + r.getJsonObject("error"))));
  }
}
