package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client of an event-bus bridge (SockJS or TCP), so that one suite of bridge rules runs against both. */
public interface BridgeClient extends AutoCloseable {

  /** Sends {@code body} to {@code address} with a reply address (and the token header, if any); answers what comes back. */
  JsonObject send(String address, String token, JsonObject body) throws Exception;

  /** Subscribes to {@code address} with the token header. */
  void register(String address, String token);

  /** The next frame from the server (fails after 10 s). */
  default JsonObject next() throws Exception {
    JsonObject m = in().poll(10, TimeUnit.SECONDS);
    assertTrue(m != null, "nothing came back");
    return m;
  }

  /** Every frame from the server, in order. */
  BlockingQueue<JsonObject> in();

  /** Completes when the server closes the connection. */
  Future<Void> closed();

  /** Whether {@code frame} is a message (a reply or an event), as opposed to an error. */
  boolean isMessage(JsonObject frame);

  /** Whether {@code frame} is the bridge's refusal of a frame. */
  boolean isDenied(JsonObject frame);

  @Override
  void close();
}
