package io.branchwork.workspace;

import io.branchwork.contract.Events;
import io.branchwork.core.BranchworkException;
import io.branchwork.views.ReadView;
import io.branchwork.workspace.collab.LiveDoc;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code doc.push}: updates a client made on the document's current version are accepted, in
 * order, and written to the working copy's file; updates made on an older version are refused
 * ({@code accepted: false}): the client pulls, rebases and pushes again, as {@code @codemirror/collab}
 * expects of its authority. Pushes that wait in a row run as one group (like writes): each
 * document they touch is written once, and the answers wait for the round that stores it.
 */
final class DocPushes {

  /** The most updates one push may carry (a client offline for a while sends what it typed). */
  static final int MAX_UPDATES = 1000;

  private final Vertx vertx;
  private final DocOps docs;
  private final WorkingCopy files;
  private final TreeState tree;
  private final WorkspaceEvents events;
  private final Persister persister;

  DocPushes(Vertx vertx, DocOps docs, TreeState tree, WorkspaceEvents events, Persister persister) {
    this.vertx = vertx;
    this.docs = docs;
    this.files = tree.files();
    this.tree = tree;
    this.events = events;
    this.persister = persister;
  }

  private record Push(LiveDoc doc, long version, List<Object[]> updates) {}

  /** What became of one push: refused or accepted at {@code version}, with the updates accepted. */
  private record Outcome(boolean accepted, long version, List<LiveDoc.Update> updates) {}

  List<Future<JsonObject>> pushAll(List<Request> requests) {
    int n = requests.size();
    Push[] pushes = new Push[n];
    Object[] outcome = new Object[n]; // an Outcome, or the failure
    long now = System.nanoTime();
    Set<LiveDoc> touched = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      try {
        pushes[i] = parse(requests.get(i));
        docs.rate.take(requests.get(i).user(), now);
        touched.add(pushes[i].doc());
      } catch (RuntimeException e) {
        outcome[i] = e;
      }
    }
    long maxBytes = docs.limits().maxDocBytes();
    int[] order = fairOrder(requests, pushes);
    // The disk may hold anything after a failed write: the cache forgets these files either way.
    touched.forEach(d -> tree.cache().dropTree(d.path()));
    Future<Map<LiveDoc, WorkingCopy.Content>> written = docs.refresh(new ArrayList<>(touched)).compose(v -> vertx.executeBlocking(() -> {
      Map<LiveDoc, LiveDoc.Mark> before = new LinkedHashMap<>();
      for (int i : order) {
        if (pushes[i] != null && outcome[i] == null) {
          outcome[i] = apply(pushes[i], requests.get(i), maxBytes, before);
        }
      }
      // Each document once, with everything accepted in this group.
      Map<LiveDoc, WorkingCopy.Content> blobs = new LinkedHashMap<>();
      for (Map.Entry<LiveDoc, LiveDoc.Mark> e : before.entrySet()) {
        LiveDoc doc = e.getKey();
        if (doc.version() == e.getValue().version()) {
          continue;
        }
        byte[] bytes = doc.encode();
        try {
          String blob = files.write(doc.path(), bytes, null);
          persister.written(doc.path(), blob, bytes.length);
          blobs.put(doc, new WorkingCopy.Content(bytes, blob));
        } catch (Exception ex) {
          // The file does not hold them: the updates were never accepted.
          doc.rollback(e.getValue());
          for (int i = 0; i < n; i++) {
            if (pushes[i] != null && pushes[i].doc() == doc && outcome[i] instanceof Outcome o && o.accepted()) {
              outcome[i] = ex;
            }
          }
        }
      }
      return blobs;
    }, false));
    List<Future<JsonObject>> answers = new ArrayList<>(n);
    Future<Void> published = written.map(blobs -> {
      publish(requests, pushes, outcome, blobs, order);
      return null;
    });
    for (int i = 0; i < n; i++) {
      int at = i;
      answers.add(published.compose(v -> {
        if (outcome[at] instanceof Throwable t) {
          return Future.failedFuture(t);
        }
        Outcome o = (Outcome) outcome[at];
        return Future.succeededFuture(new JsonObject().put("accepted", o.accepted()).put("version", o.version()));
      }));
    }
    return answers;
  }

  private Push parse(Request r) {
    LiveDoc doc = docs.joined(r);
    long version = DocOps.requireVersion(r);
    if (!(r.args().getValue("updates") instanceof JsonArray updates) || updates.isEmpty()
        || updates.size() > MAX_UPDATES) {
      throw BranchworkException.badRequest("'updates' must be an array of 1 to " + MAX_UPDATES
          + " {\"clientID\",\"changes\"}");
    }
    List<Object[]> parsed = new ArrayList<>(updates.size());
    for (Object u : updates) {
      if (!(u instanceof JsonObject update)) {
        throw BranchworkException.badRequest("an update must be {\"clientID\",\"changes\"}");
      }
      parsed.add(new Object[] {DocOps.clientID(update.getValue("clientID")), update.getValue("changes")});
    }
    return new Push(doc, version, parsed);
  }

  /**
   * One push on a worker, in its group's turn: all its updates or none. A version from the future
   * is {@code bad_request}; an older one is refused for the client to rebase.
   */
  private Object apply(Push p, Request r, long maxBytes, Map<LiveDoc, LiveDoc.Mark> before) {
    LiveDoc doc = p.doc();
    String user = r.user();
    LiveDoc.Peer peer = doc.peers().get(r.holder());
    if (docs.docs.get(doc.path()) != doc) {
      return BranchworkException.notFound("the live document ended (its file is gone): " + doc.path());
    }
    if (p.version() > doc.version()) {
      return BranchworkException.badRequest("version " + p.version() + " is ahead of the document (at "
          + doc.version() + ")");
    }
    if (p.version() < doc.version()) {
      if (peer != null && peer.refusedSince == 0) {
        peer.refusedSince = System.nanoTime();
      }
      return new Outcome(false, doc.version(), List.of());
    }
    before.computeIfAbsent(doc, LiveDoc::mark);
    LiveDoc.Mark mine = doc.mark();
    List<LiveDoc.Update> accepted = new ArrayList<>(p.updates().size());
    try {
      for (Object[] u : p.updates()) {
        accepted.add(doc.apply((String) u[0], u[1], user, maxBytes));
      }
    } catch (RuntimeException e) {
      doc.rollback(mine);
      return e;
    }
    if (peer != null) {
      peer.refusedSince = 0;
    }
    return new Outcome(true, doc.version(), accepted);
  }

  /**
   * The order a group's pushes are tried in: the session refused longest ago first, then arrival.
   * Pushes made on the same version exclude each other; without this, one editor among many could
   * lose the race again and again while the others type on. A session's own pushes keep their order.
   */
  private static int[] fairOrder(List<Request> requests, Push[] pushes) {
    Integer[] order = new Integer[requests.size()];
    long[] since = new long[order.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
      LiveDoc.Peer peer = pushes[i] == null ? null : pushes[i].doc().peers().get(requests.get(i).holder());
      since[i] = peer == null || peer.refusedSince == 0 ? Long.MAX_VALUE : peer.refusedSince;
    }
    java.util.Arrays.sort(order, java.util.Comparator.comparingLong(i -> since[i]));
    return java.util.Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  /** On the event loop: the file's new content for readers, and the events, once durable. */
  private void publish(List<Request> requests, Push[] pushes, Object[] outcome,
      Map<LiveDoc, WorkingCopy.Content> written, int[] order) {
    // In the order they were applied: each event's updates follow the version before them.
    for (int i : order) {
      if (outcome[i] instanceof Outcome o && o.accepted()) {
        JsonArray updates = new JsonArray();
        o.updates().forEach(u -> updates.add(u.toJson()));
        events.publishDurable(Events.DOC_UPDATE, new JsonObject().put("path", pushes[i].doc().path())
            .put("version", o.version()).put("updates", updates), requests.get(i));
      }
    }
    written.forEach((doc, content) -> {
      tree.cache().put(doc.path(), content);
      persister.changed();
      persister.afterDurable(() -> tree.view().put(doc.path(), new ReadView.File(content.bytes(), content.blob())));
      // Sessions that have not joined the document see the file change as for a write.
      String by = lastPusher(requests, pushes, outcome, doc, order);
      events.publishDurable(Events.CHANGED, new JsonObject().put("path", doc.path()).put("blob", content.blob()).put("by", by),
          null);
    });
  }

  private static String lastPusher(List<Request> requests, Push[] pushes, Object[] outcome, LiveDoc doc, int[] order) {
    String by = null;
    for (int i : order) {
      if (pushes[i] != null && pushes[i].doc() == doc && outcome[i] instanceof Outcome o && o.accepted()) {
        by = requests.get(i).user();
      }
    }
    return by;
  }
}
