package io.branchwork.gateway;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One event-bus subscription per workspace for all the {@code /ws} sessions of one gateway
 * instance (one event loop), handing each event to its sessions by a plain call. With a consumer
 * per session, every event of a workspace with 200 sessions was delivered, and copied, 200 times
 * by the bus before each session dropped what was not for it (another document's keystrokes and
 * cursors): the bus's delivery was most of the CPU. Now an event crosses the bus once per gateway
 * instance; the sessions read the one copy and never change it. Used from its event loop only.
 */
final class EventFeeds {

  /** What a session holds of a feed: drop it to stop receiving. */
  interface Subscription {
    /** Completes once the feed's consumer is registered (in a cluster: known to the other nodes). */
    Future<Void> completion();

    void unregister();
  }

  private final class Feed {
    final WorkspaceKey key;
    final MessageConsumer<JsonObject> consumer;
    final List<Handler<JsonObject>> handlers = new ArrayList<>();

    Feed(WorkspaceKey key) {
      this.key = key;
      this.consumer = vertx.eventBus().consumer(key.eventAddress(), m -> deliver(m.body()));
    }

    private void deliver(JsonObject event) {
      // A copy of the list: a handler may leave (a closing) while the event goes round.
      for (Handler<JsonObject> h : handlers.toArray(new Handler[0])) {
        h.handle(event);
      }
    }
  }

  private final Vertx vertx;
  private final Map<WorkspaceKey, Feed> feeds = new HashMap<>();

  EventFeeds(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Subscribes {@code handler} to the events of {@code key}; it must not change the events it gets. */
  Subscription subscribe(WorkspaceKey key, Handler<JsonObject> handler) {
    Feed feed = feeds.computeIfAbsent(key, Feed::new);
    feed.handlers.add(handler);
    return new Subscription() {
      private boolean gone;

      @Override
      public Future<Void> completion() {
        return feed.consumer.completion();
      }

      @Override
      public void unregister() {
        if (gone) {
          return;
        }
        gone = true;
        feed.handlers.remove(handler);
        if (feed.handlers.isEmpty() && feeds.get(feed.key) == feed) {
          feeds.remove(feed.key);
          feed.consumer.unregister();
        }
      }
    };
  }
}
