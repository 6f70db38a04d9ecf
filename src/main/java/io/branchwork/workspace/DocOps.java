package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.workspace.collab.LiveDoc;
import io.branchwork.workspace.collab.PushRate;
import io.branchwork.workspace.files.WorkingCopy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live documents: the workspace is the central authority of {@code @codemirror/collab} for each
 * joined text file ({@link LiveDoc}), and the document is the working copy's file. {@code doc.join},
 * {@code doc.pull}, {@code doc.presence} and {@code doc.leave} are here; {@code doc.push}, which
 * writes the file, is {@link DocPushes}. A change another op makes to a joined file (a write, a
 * restore, a merge, a push) marks the document stale; the next op of that document, or a turn
 * queued for it at once, reads the file again and sends the joined sessions one update turning the
 * text into the file's (its changed middle), so a live document never differs from its file.
 */
final class DocOps {

  private static final Logger LOG = LoggerFactory.getLogger(DocOps.class);
  /** The most ranges one selection may have (CodeMirror's multiple cursors); more is {@code bad_request}. */
  static final int MAX_RANGES = 100;

  private final Vertx vertx;
  private final WorkingCopy files;
  private final WorkspaceEvents events;
  private final WorkspaceSettings.Collab limits;
  private final Function<Supplier<Future<Void>>, Future<Void>> internal;
  /** The live documents by path. */
  final Map<String, LiveDoc> docs = new HashMap<>();
  final PushRate rate;
  private boolean refreshQueued;

  DocOps(Vertx vertx, WorkingCopy files, WorkspaceEvents events, WorkspaceSettings.Collab limits,
      Function<Supplier<Future<Void>>, Future<Void>> internal) {
    this.vertx = vertx;
    this.files = files;
    this.events = events;
    this.limits = limits;
    this.internal = internal;
    this.rate = new PushRate(limits.pushesPerSecond());
    events.onChanged(this::fileChanged);
  }

  void register(Map<String, Op> ops, Map<String, GroupOp> groups, DocPushes pushes) {
    ops.put(WorkspaceOps.DOC_JOIN, this::join);
    ops.put(WorkspaceOps.DOC_PULL, this::pull);
    ops.put(WorkspaceOps.DOC_PRESENCE, this::presence);
    ops.put(WorkspaceOps.DOC_LEAVE, this::leave);
    ops.put(WorkspaceOps.DOC_PUSH, r -> pushes.pushAll(List.of(r)).get(0));
    groups.put(WorkspaceOps.DOC_PUSH, pushes::pushAll);
  }

  WorkspaceSettings.Collab limits() {
    return limits;
  }

  /**
   * Joins the session to the file's live document, starting it from the file when nobody has it
   * open: answers its version, text, line separator and the other sessions on it.
   */
  private Future<JsonObject> join(Request r) {
    String path = WorkspacePaths.require(Args.optString(r.args(), "path"));
    String holder = requireHolder(r);
    LiveDoc live = docs.get(path);
    if (live == null && docs.size() >= limits.maxDocs()) {
      throw BranchworkException.overloaded("this workspace has " + docs.size()
          + " live documents already (collab.maxDocsPerWorkspace)");
    }
    Future<LiveDoc> ready = live == null
        ? vertx.executeBlocking(() -> new LiveDoc(path, load(path), limits.historyUpdates(), limits.historyBytes()), false)
            .map(d -> {
              docs.put(path, d);
              LOG.debug("live document {} started by {}", path, r.user());
              return d;
            })
        : refresh(List.of(live)).map(v -> docs.get(path));
    return ready.map(doc -> {
      if (doc == null) {
        throw BranchworkException.notFound("the file is gone: " + path);
      }
      doc.peers().computeIfAbsent(holder, h -> new LiveDoc.Peer(r.user()));
      JsonArray peers = new JsonArray();
      doc.peers().forEach((h, p) -> {
        if (!h.equals(holder)) {
          peers.add(peerJson(p));
        }
      });
      return new JsonObject().put("version", doc.version()).put("epoch", doc.epoch()).put("text", doc.text())
          .put("lineSeparator", doc.lineSeparator()).put("peers", peers);
    });
  }

  private Future<JsonObject> pull(Request r) {
    LiveDoc joined = joined(r);
    long version = requireVersion(r);
    return refresh(List.of(joined)).map(v -> {
      LiveDoc doc = docs.get(joined.path());
      if (doc == null) {
        return new JsonObject().put("deleted", true).put("version", version);
      }
      List<LiveDoc.Update> updates = doc.since(version);
      if (updates == null) {
        return new JsonObject().put("resync", true).put("version", doc.version()).put("text", doc.text())
            .put("lineSeparator", doc.lineSeparator());
      }
      JsonArray out = new JsonArray();
      updates.forEach(u -> out.add(u.toJson()));
      return new JsonObject().put("version", doc.version()).put("updates", out);
    });
  }

  /**
   * Where a session's cursors are: kept for later joiners, pushed to the others now, never stored.
   * Runs on arrival, outside the mailbox (IMMEDIATE): a push group may be working on a worker
   * meanwhile, so this only reads the text's length (to hold positions to it) and sets the
   * session's own peer fields, never adds or removes a document or a peer.
   */
  private Future<JsonObject> presence(Request r) {
    LiveDoc doc = joined(r);
    rate.take(r.user(), System.nanoTime());
    String clientID = clientID(r.args().getValue("clientID"));
    JsonObject selection = selection(r.args().getValue("selection"), doc.text().length());
    LiveDoc.Peer peer = doc.peers().get(r.holder());
    peer.clientID = clientID;
    peer.selection = selection;
    events.publishEphemeral(Events.DOC_PRESENCE, new JsonObject().put("path", doc.path()).put("user", r.user())
        .put("clientID", clientID).put("selection", selection), r);
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> leave(Request r) {
    String path = WorkspacePaths.require(Args.optString(r.args(), "path"));
    LiveDoc doc = docs.get(path);
    if (doc != null) {
      leave(doc, requireHolder(r), r);
    }
    return Future.succeededFuture(new JsonObject());
  }

  /** A session left the workspace or its connection ended: it leaves every document, its cursors go. */
  void holderGone(String holder) {
    if (holder == null) {
      return;
    }
    for (LiveDoc doc : new ArrayList<>(docs.values())) {
      leave(doc, holder, null);
    }
  }

  private void leave(LiveDoc doc, String holder, Request r) {
    LiveDoc.Peer gone = doc.peers().remove(holder);
    if (gone == null) {
      return;
    }
    events.publishEphemeral(Events.DOC_PRESENCE, new JsonObject().put("path", doc.path()).put("user", gone.user)
        .put("clientID", gone.clientID).putNull("selection"), r);
    if (doc.peers().isEmpty()) {
      docs.remove(doc.path());
      LOG.debug("live document {} ended: its last session left", doc.path());
    }
  }

  /** The document of {@code path} that this request's session joined, or {@code bad_request}. */
  LiveDoc joined(Request r) {
    String path = WorkspacePaths.require(Args.optString(r.args(), "path"));
    LiveDoc doc = docs.get(path);
    if (doc == null || !doc.peers().containsKey(requireHolder(r))) {
      throw BranchworkException.badRequest("join the live document first (doc.join): " + path);
    }
    return doc;
  }

  /** Another op changed {@code path} (or a directory above it): its document reads the file again. */
  private void fileChanged(String path, String user) {
    boolean any = false;
    for (LiveDoc doc : docs.values()) {
      if (doc.path().equals(path) || doc.path().startsWith(path + "/")) {
        doc.markStale(user);
        any = true;
      }
    }
    if (any && !refreshQueued) {
      refreshQueued = true;
      // A turn of its own, so the joined sessions see the change even if none of them types.
      internal.apply(() -> {
        refreshQueued = false;
        return refresh(new ArrayList<>(docs.values()));
      });
    }
  }

  /**
   * Reads the files of the stale documents among {@code candidates} again (on a worker): a file
   * that changed becomes one update turning the text into it, a file that is gone or no longer a
   * live document ends its document ({@code deleted: true}). Runs inside an op's turn.
   */
  Future<Void> refresh(List<LiveDoc> candidates) {
    List<LiveDoc> stale = candidates.stream().filter(d -> d.staleBy() != null).toList();
    if (stale.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      Map<LiveDoc, Object> outcome = new HashMap<>();
      for (LiveDoc doc : stale) {
        try {
          outcome.put(doc, load(doc.path()));
        } catch (Exception e) {
          outcome.put(doc, e);
        }
      }
      return outcome;
    }, false).map(outcome -> {
      outcome.forEach((doc, result) -> {
        String by = doc.staleBy();
        doc.fresh();
        if (docs.get(doc.path()) != doc) {
          return; // ended meanwhile
        }
        JsonObject fields = new JsonObject().put("path", doc.path());
        if (result instanceof LiveDoc.Text text) {
          if (text.text().equals(doc.text()) && text.crlf() == doc.crlf()) {
            return;
          }
          LiveDoc.Update u = doc.replace(text, by);
          fields.put("version", doc.version()).put("updates", new JsonArray().add(u.toJson()))
              .put("lineSeparator", doc.lineSeparator());
        } else {
          docs.remove(doc.path());
          fields.put("version", doc.version()).put("updates", new JsonArray()).put("deleted", true)
              .put("reason", ((Exception) result).getMessage());
        }
        events.publishDurable(Events.DOC_UPDATE, fields, null);
      });
      return null;
    });
  }

  /** The file at {@code path} as a live document (blocking), or why it cannot be one. */
  LiveDoc.Text load(String path) throws Exception {
    WorkingCopy.Content c = files.read(path);
    if (c.bytes().length > limits.maxDocBytes()) {
      throw BranchworkException.tooLarge("the file is larger than a live document may be ("
          + limits.maxDocBytes() + " bytes, collab.maxDocBytes); edit it with read and write");
    }
    return LiveDoc.decode(c.bytes());
  }

  /** The {@code version} a pull or push is made on: required, never negative. */
  static long requireVersion(Request r) {
    long version = Args.optLong(r.args(), "version", -1, 0, Long.MAX_VALUE);
    if (version < 0) {
      throw BranchworkException.badRequest("'version' is required");
    }
    return version;
  }

  static String clientID(Object value) {
    if (!(value instanceof String s) || s.isEmpty() || s.length() > 64) {
      throw BranchworkException.badRequest("'clientID' must be a string of 1 to 64 characters");
    }
    return s;
  }

  /** A CodeMirror selection {@code {"ranges":[{"anchor","head"}],"main"}}, positions held to the text. */
  private static JsonObject selection(Object value, int length) {
    if (!(value instanceof JsonObject sel) || !(sel.getValue("ranges") instanceof JsonArray ranges)
        || ranges.isEmpty() || ranges.size() > MAX_RANGES) {
      throw BranchworkException.badRequest("'selection' must be {\"ranges\":[{\"anchor\",\"head\"}...],\"main\"}"
          + " with 1 to " + MAX_RANGES + " ranges");
    }
    JsonArray out = new JsonArray();
    for (Object o : ranges) {
      if (!(o instanceof JsonObject range)) {
        throw BranchworkException.badRequest("a range must be {\"anchor\",\"head\"}");
      }
      out.add(new JsonObject().put("anchor", position(range, "anchor", length))
          .put("head", position(range, "head", length)));
    }
    long main = Args.optLong(sel, "main", 0, 0, ranges.size() - 1);
    return new JsonObject().put("ranges", out).put("main", main);
  }

  /** A cursor may be ahead of the server by its own unconfirmed typing: held to the text, not refused. */
  private static long position(JsonObject range, String name, int length) {
    long p = Args.optLong(range, name, -1, 0, Integer.MAX_VALUE);
    if (p < 0) {
      throw BranchworkException.badRequest("a range needs '" + name + "'");
    }
    return Math.min(p, length);
  }

  private static JsonObject peerJson(LiveDoc.Peer p) {
    JsonObject o = new JsonObject().put("user", p.user).put("clientID", p.clientID);
    if (p.selection != null) {
      o.put("selection", p.selection);
    }
    return o;
  }

  static String requireHolder(Request r) {
    if (r.holder() == null || r.holder().isEmpty()) {
      throw BranchworkException.badRequest("'holder' is required");
    }
    return r.holder();
  }
}
