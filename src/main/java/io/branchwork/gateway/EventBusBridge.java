package io.branchwork.gateway;

import io.branchwork.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.regex.Pattern;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, for browsers using the stock Vert.x client:
 * Vert.x's SockJS bridge with its address lists as a first filter, and {@link BridgeRules} (the
 * rules the TCP bridge applies too) deciding every frame through the bridge's event hook.
 */
public final class EventBusBridge {

  public static final String PATH = "/eventbus";

  private final Vertx vertx;
  private final Gateways gateways;
  private final BridgeRules rules;

  public EventBusBridge(Vertx vertx, Gateways gateways) {
    this.vertx = vertx;
    this.gateways = gateways;
    this.rules = new BridgeRules(vertx, gateways, "sockjs");
  }

  public Future<Void> start() {
    return rules.start();
  }

  public Future<Void> stop() {
    return rules.stop();
  }

  public void mount(Router router) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ALLOCATOR))
        // where inbound() redirects allocator requests; a client naming it directly is refused there
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.ALLOCATOR_LOCAL))
        .addInboundPermitted(new PermittedOptions().setAddressRegex(Pattern.quote(Addresses.WORKSPACE_PREFIX) + ".+"))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(Pattern.quote(Addresses.EVENTS_PREFIX) + ".+"))
        .setMaxHandlersPerSocket(gateways.limits().maxReferencesPerSocket())
        .setReplyTimeout(gateways.limits().requestTimeoutMs())
        .setPingTimeout(gateways.limits().idleTimeoutMs());
    SockJSHandler handler = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setRegisterWriteHandler(false));
    // The HTTP transports (xhr_send, jsonp_send) read their messages from the body: bounded like a
    // WebSocket frame, refused with 413 past it, never buffered whole.
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(gateways.limits().maxFrameBytes()));
    router.route(PATH + "/*").subRouter(handler.bridge(options, this::onEvent));
  }

  private void onEvent(BridgeEvent event) {
    switch (event.type()) {
      case SOCKET_CREATED -> event.complete(rules.opened(event.socket(), event.socket()::close));
      case SEND, PUBLISH, REGISTER -> rules.admit(event.socket(), event.type(), event.getRawMessage())
          .onComplete(ar -> {
            if (ar.succeeded()) {
              event.setRawMessage(ar.result());
            }
            event.complete(ar.succeeded());
          });
      case RECEIVE -> event.complete(rules.deliverable(event.socket()));
      case SOCKET_CLOSED -> {
        rules.closed(event.socket());
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }
}
