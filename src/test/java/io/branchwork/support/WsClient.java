package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * A test client for {@code /ws}: a real Vert.x WebSocket, requests packed here with msgpack-core
 * and replies read with its Value API, independent of the server's codec.
 */
public final class WsClient implements AutoCloseable {

  private final WebSocket ws;
  private final BlockingQueue<JsonObject> replies = new LinkedBlockingQueue<>();
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final Promise<Short> closed = Promise.promise();
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, JsonObject> byId = new java.util.HashMap<>();

  private WsClient(WebSocket ws) {
    this.ws = ws;
    try {
      ws.binaryMessageHandler(b -> {
        JsonObject m = unpack(b);
        (m.containsKey("event") ? events : replies).add(m);
      });
      ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
    } catch (IllegalStateException alreadyClosed) {
      closed.tryComplete(ws.closeStatusCode());
    }
  }

  public static WsClient connect(Vertx vertx, int port, String bearer) {
    try {
      return new WsClient(open(vertx, port, bearer).await(20, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Clients run on a Vert.x of their own, as a real client would, apart from the server's. */
  private static final Vertx CLIENT_VERTX = Vertx.vertx();
  /**
   * One client for every test connection, held for the whole run: Vert.x closes a
   * {@code WebSocketClient} (and its connections) once it is garbage collected, so a client
   * dropped after {@code connect} breaks handshakes and sockets at the next GC.
   */
  private static final WebSocketClient CLIENT = CLIENT_VERTX.createWebSocketClient(
      new io.vertx.core.http.WebSocketClientOptions().setMaxConnections(10_000));

  /** The connect attempt itself, for tests that expect a refusal. */
  public static io.vertx.core.Future<WebSocket> open(Vertx ignored, int port, String bearer) {
    WebSocketClient client = CLIENT;
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws");
    if (bearer != null) {
      o.addHeader("Authorization", "Bearer " + bearer);
    }
    return client.connect(o);
  }

  /** Sends {@code op} with key/value args and answers the reply with its id. */
  public JsonObject call(String op, Object... kv) {
    long id = ids.incrementAndGet();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("op", op);
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    sendRaw(pack(m));
    return reply(id);
  }

  /** A call that must succeed; answers its result. */
  public JsonObject ok(String op, Object... kv) {
    JsonObject r = call(op, kv);
    assertEquals(Boolean.TRUE, r.getBoolean("ok"), () -> op + " failed: " + r.encode());
    return r.getJsonObject("result");
  }

  /** A call that must fail with {@code code}. */
  public void fails(String code, String op, Object... kv) {
    JsonObject r = call(op, kv);
    assertEquals(Boolean.FALSE, r.getBoolean("ok"), () -> op + " should have failed: " + r.encode());
    assertEquals(code, r.getJsonObject("error").getString("code"), r::encode);
  }

  public long nextId() {
    return ids.incrementAndGet();
  }

  /** The reply with {@code id}; replies may come in any order, others are kept for later. */
  public JsonObject reply(long id) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject early = byId.remove(id);
      if (early != null) {
        return early;
      }
      JsonObject r = poll(replies, 100);
      if (r == null && closed.future().isComplete() && replies.isEmpty()) {
        throw new AssertionError("the connection closed before the reply to " + id);
      }
      if (r != null) {
        if (!r.containsKey("id")) {
          fail("unexpected anonymous reply " + r.encode() + " while waiting for " + id);
        }
        byId.put(r.getLong("id"), r);
      }
    }
    throw new AssertionError("no reply to " + id);
  }

  /** The reply with {@code id} if it comes within {@code ms}, else null (it stays awaited). */
  public JsonObject pollReply(long id, long ms) {
    long deadline = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < deadline) {
      JsonObject early = byId.remove(id);
      if (early != null) {
        return early;
      }
      JsonObject r = poll(replies, 20);
      if (r != null && r.containsKey("id")) {
        byId.put(r.getLong("id"), r);
      }
    }
    return null;
  }

  /** The next message without an id (error replies to undecodable frames). */
  public JsonObject anonymousReply() {
    JsonObject r = poll(replies, 10_000);
    assertTrue(r != null && !r.containsKey("id"), () -> "expected an anonymous reply, got " + r);
    return r;
  }

  public JsonObject event(String name) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject e = poll(events, 100);
      if (e != null && name.equals(e.getString("event"))) {
        return e;
      }
    }
    throw new AssertionError("no '" + name + "' event");
  }

  public BlockingQueue<JsonObject> events() {
    return events;
  }

  public void sendRaw(Buffer frame) {
    ws.writeBinaryMessage(frame).await();
  }

  public void sendText(String text) {
    ws.writeTextMessage(text);
  }

  /** Waits for the server to close the connection; answers the close code. */
  public short awaitClose() {
    try {
      return closed.future().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the connection was not closed", e);
    }
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
    awaitClose();
  }

  private static JsonObject poll(BlockingQueue<JsonObject> q, long ms) {
    try {
      return q.poll(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public static Buffer pack(Object value) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      packValue(p, value);
      return Buffer.buffer(p.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static void packValue(MessageBufferPacker p, Object v) throws IOException {
    if (v == null) {
      p.packNil();
    } else if (v instanceof String s) {
      p.packString(s);
    } else if (v instanceof Boolean b) {
      p.packBoolean(b);
    } else if (v instanceof Double || v instanceof Float) {
      p.packDouble(((Number) v).doubleValue());
    } else if (v instanceof Number n) {
      p.packLong(n.longValue());
    } else if (v instanceof JsonObject o) {
      packValue(p, o.getMap());
    } else if (v instanceof io.vertx.core.json.JsonArray a) {
      packValue(p, a.getList());
    } else if (v instanceof byte[] b) {
      p.packBinaryHeader(b.length);
      p.writePayload(b);
    } else if (v instanceof Map<?, ?> m) {
      p.packMapHeader(m.size());
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        p.packString(e.getKey());
        packValue(p, e.getValue());
      }
    } else if (v instanceof java.util.List<?> l) {
      p.packArrayHeader(l.size());
      for (Object o : l) {
        packValue(p, o);
      }
    } else {
      throw new IllegalArgumentException(v.getClass().toString());
    }
  }

  private static JsonObject unpack(Buffer b) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b.getBytes())) {
      return (JsonObject) toJava(u.unpackValue());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object toJava(Value v) {
    switch (v.getValueType()) {
      case NIL: return null;
      case BOOLEAN: return v.asBooleanValue().getBoolean();
      case INTEGER: return v.asIntegerValue().toLong();
      case FLOAT: return v.asFloatValue().toDouble();
      case STRING: return v.asStringValue().asString();
      case BINARY: return v.asBinaryValue().asByteArray();
      case ARRAY: {
        JsonArray a = new JsonArray();
        v.asArrayValue().forEach(x -> a.add(toJava(x)));
        return a;
      }
      case MAP: {
        JsonObject o = new JsonObject();
        v.asMapValue().map().forEach((k, x) -> o.put(k.asStringValue().asString(), toJava(x)));
        return o;
      }
      default: throw new IllegalStateException("unexpected " + v.getValueType());
    }
  }
}
