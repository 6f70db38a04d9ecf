package io.branchwork.core;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/** Event-bus requests with a timeout, their failures turned into contract exceptions. */
public final class Bus {

  private Bus() {}

  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, long timeoutMs) {
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(Message::body)
        .recover(e -> Future.failedFuture(Failures.normalize(e)));
  }
}
