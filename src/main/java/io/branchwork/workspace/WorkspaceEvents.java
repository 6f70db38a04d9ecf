package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOp;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Publishes a workspace's pushes at its event address as {@code {"event", "seq", ...fields}}.
 * {@code seq} numbers them per workspace, one more for each event while the workspace lives; a
 * load starts above every number of the loads before it (at the load's time in milliseconds
 * times 1000), so a client can always tell a later event from an earlier one. The last events are
 * kept, so that a client that lost its connection can be given the ones it missed ({@link #since}).
 */
public final class WorkspaceEvents {

  private static final int MAX_SESSIONS = 1024;

  private final EventBus bus;
  private final String address;
  private final int keep;
  private final ArrayDeque<JsonObject> recent;
  private long seq = System.currentTimeMillis() * 1000;
  /** The {@code seq} of the last event each session caused (the most recent sessions only). */
  private final Map<String, Long> lastCaused = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_SESSIONS;
    }
  };
  /** Holds the events of changes until those changes are durable (see {@link #deferChanges}). */
  private Consumer<Runnable> whenDurable = Runnable::run;
  private BiConsumer<String, String> onChanged = (path, user) -> {};

  /** Keeps the last {@code keep} events for {@link #since}. */
  public WorkspaceEvents(EventBus bus, WorkspaceKey key, int keep) {
    this.bus = bus;
    this.address = key.eventAddress();
    this.keep = keep;
    this.recent = new ArrayDeque<>(Math.min(keep, 16));
  }

  /**
   * The end of a workspace's life, published by its allocator rather than by the workspace:
   * {@code closing} carries no {@code seq} (nothing follows it; a client reopens and resyncs).
   */
  public static void publishClosing(EventBus bus, WorkspaceKey key, JsonObject fields) {
    bus.publish(key.eventAddress(), new JsonObject().put(Events.FIELD_EVENT, Events.CLOSING).mergeIn(fields));
  }

  /** From now on, events of changes go out through {@code whenDurable}: only once the change is in the store. */
  public void deferChanges(Consumer<Runnable> whenDurable) {
    this.whenDurable = whenDurable;
  }

  /**
   * Told of every change {@link #changed} announces, in the turn of the op that made it (the live
   * documents re-read a joined file that another op changed).
   */
  public void onChanged(BiConsumer<String, String> pathAndUser) {
    this.onChanged = pathAndUser;
  }

  public void changed(String path, String blob, Request by) {
    onChanged.accept(path, by.user());
    publishDurable(Events.CHANGED, new JsonObject().put("path", path).put("blob", blob).put("by", by.user()), by);
  }

  /** Publishes the event of a change once the change is durable. */
  public void publishDurable(String event, JsonObject fields, Request cause) {
    whenDurable.accept(() -> publish(event, fields, cause));
  }

  public void saved(long version, Request by) {
    publish(Events.SAVED, new JsonObject().put("version", version).put("by", by.user()), by);
  }

  /** Publishes {@code event} with {@code fields} and the next {@code seq}; {@code origin}: the session behind it. */
  public void publish(String event, JsonObject fields, Request cause) {
    JsonObject msg = new JsonObject().put(Events.FIELD_EVENT, event).mergeIn(fields).put(Events.FIELD_SEQ, ++seq);
    if (cause != null && cause.holder() != null) {
      msg.put(Events.FIELD_ORIGIN, cause.holder());
      lastCaused.put(cause.holder(), seq);
    }
    if (keep > 0) {
      if (recent.size() == keep) {
        recent.removeFirst();
      }
      recent.addLast(msg);
    }
    bus.publish(address, msg);
  }

  /**
   * Publishes {@code event} at once, without a {@code seq} and without keeping it for
   * {@link #since}: what is only true now (a cursor), which a reconnecting client asks for afresh.
   */
  public void publishEphemeral(String event, JsonObject fields, Request cause) {
    JsonObject msg = new JsonObject().put(Events.FIELD_EVENT, event).mergeIn(fields);
    if (cause != null && cause.holder() != null) {
      msg.put(Events.FIELD_ORIGIN, cause.holder());
    }
    bus.publish(address, msg);
  }

  /**
   * {@code result} of a mutating op of {@code r}'s session, with the {@code seq} of the last event
   * that session caused. A session is not sent its own events, so this is how its client learns
   * their numbers: events of a change are published before the change is answered, so every
   * event up to that number has reached the session before this answer does.
   */
  public JsonObject stamp(Request r, JsonObject result) {
    Long last = r.holder() == null || !WorkspaceOp.mutates(r.op()) ? null : lastCaused.get(r.holder());
    return last == null || result == null ? result : result.copy().put(Events.FIELD_SEQ, last);
  }

  /** The {@code seq} of the last event published (the load's starting number before any). */
  public long seq() {
    return seq;
  }

  /**
   * The events published after {@code since}, in order; null when some of them are no longer
   * kept (or {@code since} is not a number this workspace gave out): the client must reload.
   */
  public List<JsonObject> since(long since) {
    if (since == seq) {
      return List.of();
    }
    if (since > seq || recent.isEmpty() || recent.peekFirst().getLong(Events.FIELD_SEQ) > since + 1) {
      return null;
    }
    // The kept events themselves: they go out in a bus answer, which copies them on the way.
    return recent.stream().filter(e -> e.getLong(Events.FIELD_SEQ) > since).toList();
  }
}
