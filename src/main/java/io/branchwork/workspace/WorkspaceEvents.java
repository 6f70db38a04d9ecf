package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/** Publishes a workspace's pushes at its event address as {@code {"event", ...fields}}. */
public final class WorkspaceEvents {

  private final EventBus bus;
  private final String address;
  /** Holds the events of changes until those changes are durable (see {@link #deferChanges}). */
  private Consumer<Runnable> whenDurable = Runnable::run;

  public WorkspaceEvents(EventBus bus, WorkspaceKey key) {
    this.bus = bus;
    this.address = key.eventAddress();
  }

  /** From now on, events of changes go out through {@code whenDurable}: only once the change is in the store. */
  public void deferChanges(Consumer<Runnable> whenDurable) {
    this.whenDurable = whenDurable;
  }

  public void changed(String path, String blob, Request by) {
    publishDurable(Events.CHANGED, new JsonObject().put("path", path).put("blob", blob).put("by", by.user()), by);
  }

  /** Publishes the event of a change once the change is durable. */
  public void publishDurable(String event, JsonObject fields, Request cause) {
    whenDurable.accept(() -> publish(event, fields, cause));
  }

  public void saved(long version, Request by) {
    publish(Events.SAVED, new JsonObject().put("version", version).put("by", by.user()), by);
  }

  /** Publishes {@code event} with {@code fields}; {@code origin} names the session that caused it. */
  public void publish(String event, JsonObject fields, Request cause) {
    JsonObject msg = new JsonObject().put("event", event).mergeIn(fields);
    if (cause != null && cause.holder() != null) {
      msg.put("origin", cause.holder());
    }
    bus.publish(address, msg);
  }
}
