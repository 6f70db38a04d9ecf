package io.branchwork.gateway;

import io.branchwork.auth.Principal;
import io.branchwork.client.AllocatorClient;
import io.branchwork.client.WorkspaceClient;
import io.branchwork.contract.ClientOps;
import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.Events;
import io.branchwork.contract.Role;
import io.branchwork.contract.WorkspaceOp;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.views.ReadView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workspace a {@code /ws} session has open: its key, the user's role there, the subscription
 * to its events and the session's reference on it. Opens, closes and reopens (after a rename) run
 * one after another, so a session never holds two workspaces, and an op sent while the session
 * moves goes to where it lands. Ops are forwarded only with the role they need.
 */
final class SessionWorkspace {

  private static final Logger LOG = LoggerFactory.getLogger(SessionWorkspace.class);

  private final Vertx vertx;
  private final Gateways gateways;
  private final AllocatorClient allocator;
  private final WorkspaceClient workspaces;
  private final String holder;
  private final Supplier<Principal> principal;
  private final Consumer<JsonObject> send;
  private final BooleanSupplier connectionClosed;
  private WorkspaceKey openKey;
  private Role role;
  private EventFeeds.Subscription events;
  /** The gateway instance's subscriptions to workspace events, shared by its sessions. */
  private final EventFeeds feeds;
  private Future<?> switching = Future.succeededFuture();
  /** The {@code seq} of the last event this session's client has (delivered, or in the open answer). */
  private long lastSeq = -1;
  /** This session's mutating ops sent to the workspace and not answered yet. */
  private int changesInFlight;
  /**
   * The live documents this session joined: their {@code doc.update} and {@code doc.presence}
   * reach it, other paths' do not, and their {@code changed} does not (the update says it).
   */
  private final Set<String> joinedDocs = new HashSet<>();

  SessionWorkspace(Vertx vertx, Gateways gateways, EventFeeds feeds, String holder, Supplier<Principal> principal,
      Consumer<JsonObject> send, BooleanSupplier connectionClosed) {
    this.vertx = vertx;
    this.feeds = feeds;
    this.gateways = gateways;
    this.allocator = new AllocatorClient(vertx, gateways.limits().requestTimeoutMs());
    this.workspaces = new WorkspaceClient(vertx, gateways.limits().requestTimeoutMs());
    this.holder = holder;
    this.principal = principal;
    this.send = send;
    this.connectionClosed = connectionClosed;
  }

  /** The open workspace, or null. */
  WorkspaceKey key() {
    return openKey;
  }

  /**
   * Opens {@code key}, leaving the one open before; answers the contract's {@code open} result.
   * With {@code since} (the last {@code seq} the client saw) the answer also carries the events
   * it missed, or {@code resync} when they are gone.
   */
  Future<JsonObject> open(WorkspaceKey key, Long since) {
    return serialized(() -> doOpen(key, since));
  }

  /** Leaves the open workspace, if any. Never fails. */
  Future<Void> close() {
    return serialized(this::leave);
  }

  /** Forwards a workspace op, once any move in progress has landed. */
  Future<JsonObject> forward(String op, JsonObject req) {
    return switching.isComplete() ? doForward(op, req) : switching.transform(ar -> doForward(op, req));
  }

  /**
   * The answer to a {@code read} from the open workspace's {@link ReadView}, for this event loop
   * to send at once: when no move is in progress, the workspace lives on this node, its view
   * holds the file, and this session has no change of its own in flight (its read must then
   * come after the change, which only the workspace's mailbox orders). Null otherwise: the read
   * goes to the workspace through {@link #forward}. A path the view does not hold (every path it
   * holds was checked by the workspace) falls through to the workspace's checks.
   */
  ReadView.File readLocally(JsonObject req) {
    WorkspaceKey key = openKey;
    if (key == null || changesInFlight > 0 || !switching.isComplete()
        || !(req.getMap().get("path") instanceof String path)) {
      return null;
    }
    ReadView view = gateways.views().get(key);
    return view == null ? null : view.get(path);
  }

  /** Re-reads the role after a membership change; losing access closes the workspace. */
  void refreshRole() {
    WorkspaceKey at = openKey;
    if (at == null) {
      return;
    }
    gateways.store().role(at.project(), user()).onSuccess(r -> {
      if (!at.equals(openKey)) {
        return;
      }
      if (r.isPresent()) {
        role = principal.get().scope().cap(r.get());
      } else {
        send.accept(new JsonObject().put(Events.FIELD_EVENT, Events.CLOSING)
            .put(Events.FIELD_REASON, Events.REASON_ACCESS_REVOKED));
        close();
      }
    });
  }

  private String user() {
    return principal.get().username();
  }

  private Future<JsonObject> doForward(String op, JsonObject req) {
    Role needed = ClientOps.workspaceRole(op);
    if (needed == null) {
      throw BranchworkException.badRequest("unknown op '" + op + "'");
    }
    WorkspaceKey key = openKey;
    if (key == null) {
      throw new BranchworkException(ErrorCode.NO_WORKSPACE, "open a workspace first");
    }
    if (!role.allows(needed)) {
      throw BranchworkException.forbidden(op + " needs the " + needed.wire() + " role");
    }
    req.remove(ClientOps.FIELD_ID);
    boolean change = WorkspaceOp.mutates(op);
    if (change) {
      changesInFlight++;
    }
    Future<JsonObject> answer = workspaces.op(key, req, user(), holder);
    if (change) {
      answer = answer.andThen(ar -> changesInFlight--);
    }
    return answer.map(result -> {
      if (op.equals(WorkspaceOps.READ) && result.containsKey("content")) {
        // Over a cluster the bytes arrive as base64; clients always get binary.
        result.put("content", result.getBinary("content"));
      }
      if (key.equals(openKey) && req.getValue("path") instanceof String path) {
        if (op.equals(WorkspaceOps.DOC_JOIN)) {
          joinedDocs.add(path);
        } else if (op.equals(WorkspaceOps.DOC_LEAVE)) {
          joinedDocs.remove(path);
        }
      }
      if (op.equals(WorkspaceOps.BRANCH_RENAME) && key.equals(openKey)) {
        reopen(new WorkspaceKey(key.project(), result.getString("name")));
      }
      return result;
    });
  }

  private <T> Future<T> serialized(Supplier<Future<T>> step) {
    Future<T> next = switching.transform(ar -> step.get());
    switching = next;
    return next;
  }

  private Future<JsonObject> doOpen(WorkspaceKey key, Long since) {
    return gateways.auth().requireRole(key.project(), principal.get(), Role.READER).compose(r ->
        leave().compose(v -> {
          gateways.quotas().hold(user(), key);
          EventFeeds.Subscription consumer = feeds.subscribe(key, e -> onEvent(key, e));
          return consumer.completion()
              .compose(x -> allocator.register(key, holder, gateways.limits().loadTimeoutMs()))
              .compose(registered -> workspaces.join(key, user(), holder, since)
                  .map(joined -> {
                    if (connectionClosed.getAsBoolean()) {
                      throw new BranchworkException(ErrorCode.NO_WORKSPACE, "the connection closed");
                    }
                    openKey = key;
                    role = r;
                    events = consumer;
                    // Live events up to this one are in the answer (or were before the client came).
                    lastSeq = joined.getLong(Events.FIELD_SEQ, -1L);
                    JsonObject opened = new JsonObject().put("project", key.project()).put("branch", key.branch())
                        .put("head", joined.getString("head")).put("address", key.address())
                        .put(Events.FIELD_SEQ, lastSeq);
                    if (joined.getBoolean(Events.FIELD_RESYNC, false)) {
                      opened.put(Events.FIELD_RESYNC, true);
                    } else if (joined.getJsonArray(Events.FIELD_EVENTS) != null) {
                      JsonArray missed = new JsonArray();
                      for (Object e : joined.getJsonArray(Events.FIELD_EVENTS)) {
                        JsonObject event = (JsonObject) e;
                        if (!holder.equals(event.remove(Events.FIELD_ORIGIN))) {
                          missed.add(event); // the answer is this session's own copy
                        }
                      }
                      opened.put(Events.FIELD_EVENTS, missed);
                    }
                    return opened;
                  }))
              .recover(e -> {
                consumer.unregister();
                gateways.quotas().release(user(), key);
                return deregister(key).transform(ar -> Future.failedFuture(e));
              });
        }));
  }

  /** Leaves the open workspace, if any: presence, subscription, reference. Never fails. */
  private Future<Void> leave() {
    WorkspaceKey key = openKey;
    if (key == null) {
      return Future.succeededFuture();
    }
    forget(key);
    return workspaces.leave(key, user(), holder).transform(ar -> deregister(key));
  }

  private Future<Void> deregister(WorkspaceKey key) {
    return allocator.deregister(key, holder).transform(ar -> Future.succeededFuture());
  }

  /**
   * The open branch was renamed and its workspace closed: the session opens the new name for its
   * client, and ops sent meanwhile wait for that. If the reopen fails the session has no workspace.
   */
  private void reopen(WorkspaceKey to) {
    serialized(() -> doOpen(to, null).<Void>mapEmpty().recover(e -> {
      LOG.debug("session of {} could not reopen {} after a rename: {}", user(), to, e.toString());
      return Future.succeededFuture();
    }));
  }

  private void onEvent(WorkspaceKey key, JsonObject event) {
    if (!key.equals(openKey)) {
      return;
    }
    if (holder.equals(event.getString("origin"))) {
      return;
    }
    Long seq = event.getLong(Events.FIELD_SEQ);
    if (seq != null) {
      if (seq <= lastSeq) {
        return; // in the open answer already
      }
      lastSeq = seq;
    }
    String type = event.getString("event");
    if (!forThisSession(type, event)) {
      return;
    }
    JsonObject out = event.copy();
    out.remove("origin");
    boolean renameClosing = Events.CLOSING.equals(type)
        && Events.REASON_RENAMED.equals(event.getString("reason"));
    if ((Events.RENAMED.equals(type) || renameClosing) && event.getValue(Events.FIELD_BRANCH) instanceof String to) {
      // 'renamed' for clients of the first contract, then the 'closing' of close-and-reopen; the
      // session reopens the new name itself, so the workspace's own 'closing' is not awaited.
      if (!renameClosing) {
        send.accept(out);
      }
      send.accept(new JsonObject().put(Events.FIELD_EVENT, Events.CLOSING).put(Events.FIELD_REASON, Events.REASON_RENAMED)
          .put(Events.FIELD_BRANCH, to));
      reopen(new WorkspaceKey(key.project(), to));
      return;
    }
    send.accept(out);
    if (Events.CLOSING.equals(event.getString("event"))) {
      // The allocator dropped every reference along with the workspace.
      forget(key);
    }
  }

  /** Live-document events only for the documents this session joined; no {@code changed} for them. */
  private boolean forThisSession(String type, JsonObject event) {
    if (Events.DOC_UPDATE.equals(type) || Events.DOC_PRESENCE.equals(type)) {
      return joinedDocs.contains(event.getString("path"));
    }
    return !(Events.CHANGED.equals(type) && joinedDocs.contains(event.getString("path")));
  }

  /** Drops the session's side of an open workspace: key, role, subscription and the user's hold. */
  private void forget(WorkspaceKey key) {
    openKey = null;
    joinedDocs.clear();
    role = null;
    if (events != null) {
      events.unregister();
      events = null;
    }
    gateways.quotas().release(user(), key);
  }

}
