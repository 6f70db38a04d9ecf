package io.branchwork.gateway;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.Failures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeEventType;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the TCP bridge, speaking the Vert.x TCP event-bus bridge's wire format: each
 * frame a 4-byte big-endian length and that many bytes of a JSON object
 * {@code {"type","address","headers","body","replyAddress"}}; types {@code send}, {@code publish},
 * {@code register}, {@code unregister}, {@code ping} in, {@code message}, {@code err},
 * {@code pong} out. A declared length is checked before a byte of the frame is kept: more than
 * {@code limits.maxFrameBytes}, zero or negative (a 2 GiB header reads negative) closes the
 * connection, as does a frame that is not a JSON object, each with a logged reason. Frames are
 * judged by {@link BridgeRules} one after the other, in arrival order.
 */
final class TcpBridgeConnection {

  private static final Logger LOG = LoggerFactory.getLogger(TcpBridgeConnection.class);
  private static final String TYPE = "type";
  private static final String REPLY_ADDRESS = "replyAddress";

  private final Vertx vertx;
  private final NetSocket socket;
  private final BridgeRules rules;
  private final Gateways.Limits limits;
  private final Map<String, MessageConsumer<Object>> subscriptions = new HashMap<>();
  private Buffer pending = Buffer.buffer();
  /** Frames are admitted one after the other: a client's write is forwarded before its next read. */
  private Future<?> admitted = Future.succeededFuture();
  private int inFlight;
  private boolean closed;

  TcpBridgeConnection(Vertx vertx, NetSocket socket, BridgeRules rules, Gateways.Limits limits) {
    this.vertx = vertx;
    this.socket = socket;
    this.rules = rules;
    this.limits = limits;
  }

  void start() {
    // Room for a reply of the largest frame and then some: past it the client is not reading.
    socket.setWriteQueueMaxSize(2 * limits.maxFrameBytes() + (1 << 20));
    socket.handler(this::onData);
    socket.exceptionHandler(e -> refuse("connection error: " + e.getMessage()));
    socket.closeHandler(v -> onClosed());
  }

  private void onData(Buffer data) {
    if (closed) {
      return;
    }
    pending.appendBuffer(data);
    int offset = 0;
    while (pending.length() - offset >= 4) {
      int length = pending.getInt(offset);
      if (length <= 0 || length > limits.maxFrameBytes()) {
        refuse("a frame declared " + Integer.toUnsignedLong(length) + " bytes (limits.maxFrameBytes is "
            + limits.maxFrameBytes() + ")");
        return;
      }
      if (pending.length() - offset - 4 < length) {
        break;
      }
      Buffer frame = pending.getBuffer(offset + 4, offset + 4 + length);
      offset += 4 + length;
      Object value;
      try {
        value = Json.decodeValue(frame);
      } catch (DecodeException e) {
        refuse("a frame that is not JSON");
        return;
      }
      if (!(value instanceof JsonObject msg)) {
        refuse("a frame that is not a JSON object");
        return;
      }
      onFrame(msg);
    }
    // Only the part of a frame not complete yet is kept (at most limits.maxFrameBytes + 4).
    pending = offset == 0 ? pending : pending.getBuffer(offset, pending.length());
  }

  private void onFrame(JsonObject msg) {
    Object type = msg.getValue(TYPE);
    String address = msg.getValue(BridgeRules.ADDRESS) instanceof String a ? a : null;
    String replyAddress = msg.getValue(REPLY_ADDRESS) instanceof String r ? r : null;
    if ("ping".equals(type)) {
      write(new JsonObject().put(TYPE, "pong"));
      return;
    }
    BridgeEventType kind = "send".equals(type) ? BridgeEventType.SEND
        : "publish".equals(type) ? BridgeEventType.PUBLISH
        : "register".equals(type) ? BridgeEventType.REGISTER
        : "unregister".equals(type) ? BridgeEventType.UNREGISTER : null;
    if (kind == null) {
      err(replyAddress, "unknown_type", null);
      return;
    }
    if (kind == BridgeEventType.SEND && replyAddress != null && inFlight >= limits.maxInFlight()) {
      err(replyAddress, "overloaded", "more than " + limits.maxInFlight() + " requests in flight (ws.maxInFlight)");
      return;
    }
    if (kind == BridgeEventType.SEND && replyAddress != null) {
      inFlight++; // counted from admission, so a burst cannot outrun the cap while it is judged
    }
    admitted = admitted.transform(ar -> rules.admit(socket, kind, msg)
        .onSuccess(raw -> {
          if (!closed) {
            act(kind, raw, address, replyAddress);
          } else if (kind == BridgeEventType.SEND && replyAddress != null) {
            inFlight--;
          }
        })
        .onFailure(e -> {
          if (kind == BridgeEventType.SEND && replyAddress != null) {
            inFlight--;
          }
          err(replyAddress != null ? replyAddress : address, "access_denied", null);
        }));
  }

  private void act(BridgeEventType kind, JsonObject raw, String address, String replyAddress) {
    switch (kind) {
      case SEND -> send(raw, replyAddress);
      case REGISTER -> subscribe(address);
      case UNREGISTER -> {
        MessageConsumer<Object> c = subscriptions.remove(address);
        if (c != null) {
          c.unregister();
        }
      }
      default -> err(address, "access_denied", null);
    }
  }

  /** Forwards an admitted send; its answer (or failure) goes back to the client's reply address. */
  private void send(JsonObject raw, String replyAddress) {
    String address = raw.getString(BridgeRules.ADDRESS);
    Object body = raw.getValue(BridgeRules.BODY);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(limits.requestTimeoutMs());
    if (replyAddress == null) {
      vertx.eventBus().send(address, body, options);
      return;
    }
    vertx.eventBus().request(address, body, options).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        write(new JsonObject().put(TYPE, "message").put(BridgeRules.ADDRESS, replyAddress)
            .put(BridgeRules.HEADERS, new JsonObject()).put(BridgeRules.BODY, ar.result().body()).put("send", true));
      } else if (ar.cause() instanceof ReplyException re) {
        write(new JsonObject().put(TYPE, "err").put(BridgeRules.ADDRESS, replyAddress)
            .put("failureCode", re.failureCode()).put("failureType", re.failureType().name())
            .put("message", re.getMessage()));
      } else {
        err(replyAddress, Failures.normalize(ar.cause()).code() == ErrorCode.TIMEOUT ? "timeout" : "internal", null);
      }
    });
  }

  /** An admitted subscription: events of a project the user may read, while the token lives. */
  private void subscribe(String address) {
    if (subscriptions.containsKey(address)) {
      return;
    }
    if (subscriptions.size() >= limits.maxReferencesPerSocket()) {
      err(address, "overloaded", "more than " + limits.maxReferencesPerSocket()
          + " subscriptions (limits.maxReferencesPerSocket)");
      return;
    }
    subscriptions.put(address, vertx.eventBus().consumer(address, m -> {
      if (closed || !rules.deliverable(socket)) {
        return;
      }
      if (socket.writeQueueFull()) {
        // Events are not queued without bound for a client that does not read them.
        refuse("it does not read its events (write queue full)");
        return;
      }
      write(new JsonObject().put(TYPE, "message").put(BridgeRules.ADDRESS, address)
          .put(BridgeRules.HEADERS, new JsonObject()).put(BridgeRules.BODY, m.body()).put("send", false));
    }));
  }

  private void err(String address, String message, String reason) {
    JsonObject frame = new JsonObject().put(TYPE, "err").put("message", message);
    if (address != null) {
      frame.put(BridgeRules.ADDRESS, address);
    }
    if (reason != null) {
      frame.put("reason", reason);
    }
    write(frame);
  }

  private void write(JsonObject frame) {
    if (closed) {
      return;
    }
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer(json.length() + 4).appendInt(json.length()).appendBuffer(json));
    if (socket.writeQueueFull()) {
      // A client that does not read its replies sends no more requests until it does.
      socket.pause();
      socket.drainHandler(v -> socket.resume());
    }
  }

  /** Closes the connection for {@code reason}, logged: nothing else is harmed. */
  private void refuse(String reason) {
    if (closed) {
      return;
    }
    LOG.info("tcp bridge closed the connection from {}: {}", socket.remoteAddress(), reason);
    socket.close();
    onClosed();
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    pending = Buffer.buffer();
    subscriptions.values().forEach(MessageConsumer::unregister);
    subscriptions.clear();
    rules.closed(socket);
  }
}
