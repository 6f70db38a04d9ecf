package io.branchwork.workspace.repo;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.gitstore.WipTree;
import io.branchwork.metrics.BranchworkMetrics;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a workspace's changes durable before they are acknowledged, with group commit. An op that
 * changed the working copy or HEAD asks {@link #durable()}; the first such op queues a round
 * behind the ops already in the workspace's mailbox, so every op that finished before the round
 * runs shares it. A round captures the work-in-progress commit, packs the objects the store does
 * not have yet (the change, not the repository) and moves the branch's head and work-in-progress
 * refs by compare-and-set in the same transaction. Events wait for their round too. A
 * compare-and-set that fails means another node wrote this branch: the workspace is fenced and
 * refuses every further change. Used from the workspace's event loop only.
 */
public final class Persister {

  private static final Logger LOG = LoggerFactory.getLogger(Persister.class);

  private final Vertx vertx;
  private final Store store;
  private final String project;
  private final String branch;
  private final Repository repo;
  private final WipTree wip;
  private final Compactor compactor;
  private final BranchworkMetrics metrics;
  /** Puts a round in the workspace's mailbox (past its limit: a round must always get in). */
  private final Function<Supplier<Future<Void>>, Future<Void>> enqueue;
  private final StorePacks packs;
  private String durableHead;
  private String durableWip;
  private boolean roundQueued;
  private boolean fenced;
  /** Something changed that no round has captured yet. */
  private boolean changed;
  private List<Promise<Void>> waiting = new ArrayList<>();
  private List<Runnable> held = new ArrayList<>();
  /** Webhook events of the changes no round has captured yet: stored in the transaction of that round. */
  private List<HookEvent> announced = new ArrayList<>();
  private long packsWritten;
  /** When this workspace last asked for a compaction: at most one per {@link #COMPACT_EVERY_NS}. */
  private long lastCompaction = System.nanoTime() - COMPACT_EVERY_NS;
  /**
   * Under steady typing in a live document a workspace stores a small pack many times a second;
   * merging every {@link Compactor#THRESHOLD} of them cost more than the rounds themselves. The
   * packs a load fetches stay bounded: as many as the rounds of these seconds.
   */
  private static final long COMPACT_EVERY_NS = 5_000_000_000L;

  public Persister(Vertx vertx, Store store, BranchworkMetrics metrics, String project, String branch, Repository repo,
      WipTree wip, Path tmpRoot, Map<String, String> storeRefs,
      Function<Supplier<Future<Void>>, Future<Void>> enqueue) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.store = store;
    this.project = project;
    this.branch = branch;
    this.repo = repo;
    this.wip = wip;
    this.enqueue = enqueue;
    this.compactor = new Compactor(vertx, store, tmpRoot);
    this.packs = new StorePacks(vertx, store, project, repo, tmpRoot, storeRefs.values());
    this.durableHead = storeRefs.get(Refs.head(branch));
    this.durableWip = storeRefs.get(Refs.wip(branch));
  }

  /** An op changed the working copy or HEAD: answers once that change is in the store. */
  public Future<Void> durable() {
    if (fenced) {
      return Future.failedFuture(fencedFailure());
    }
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    if (!roundQueued) {
      roundQueued = true;
      enqueue.apply(this::round).onFailure(e -> LOG.warn("workspace {}/{} could not queue a round", project, branch, e));
    }
    return p.future();
  }

  /** An op changed {@code path} in the working copy. */
  public void touch(String path) {
    wip.touch(path);
    changed = true;
  }

  /**
   * A write made {@code path} the blob {@code blob} (stored already): the capture need not hash
   * it. Called from the write's blocking task (any thread: the tracker locks); the event loop
   * then calls {@link #changed()}.
   */
  public void written(String path, String blob, long length) {
    wip.touchWritten(path, ObjectId.fromString(blob), length);
  }

  /** An op changed the working copy through {@link #written}. */
  public void changed() {
    changed = true;
  }

  /** An op moved HEAD (a commit). */
  public void headMoved() {
    changed = true;
  }

  /**
   * An op's change causes {@code event} for the project's webhooks: it is queued in the store in
   * the transaction of the round that stores the change (the outbox), so an acknowledged change
   * always has its deliveries. The op asks {@link #durable()} as for any change.
   */
  public void announce(HookEvent event) {
    announced.add(event);
    changed = true;
  }

  /**
   * {@code commit} and everything it reaches are in the store already (a push stored them): the
   * next round packs nothing of them again, it only moves the refs.
   */
  public void stored(ObjectId commit) {
    packs.stored(commit);
  }

  /**
   * For an op that needs everything durable before it goes on (save, branch ops): runs a round
   * now, inside the op, since a round queued behind the running op would wait for it forever.
   */
  public Future<Void> flush() {
    if (fenced) {
      return Future.failedFuture(fencedFailure());
    }
    Promise<Void> mine = Promise.promise();
    waiting.add(mine);
    round();
    return mine.future();
  }

  /**
   * Runs {@code publish} once the changes made so far are durable: with the round that will carry
   * a change not yet captured, after the round being stored, or at once when nothing is in flight.
   * Published events, the read view's updates and the answers of reads go through here, so none
   * of them shows a change before it is acknowledged.
   */
  public void afterDurable(Runnable publish) {
    if (changed || !waiting.isEmpty() || roundQueued) {
      held.add(publish);
    } else if (!lastStored.isComplete()) {
      // Captured and being stored: after that round's own events and answers.
      lastStored.onComplete(ar -> afterDurable(publish));
    } else {
      publish.run();
    }
  }

  /** The head and work-in-progress commit the store holds for this branch. */
  public String durableHead() {
    return durableHead;
  }

  public String durableWip() {
    return durableWip;
  }

  /**
   * The stored commit whose tree is the working tree as last stored: the work in progress, or
   * HEAD when nothing is uncommitted; null when nothing was ever stored.
   */
  public String durableWorkTree() {
    return durableWip != null ? durableWip : durableHead;
  }

  /** Whether the working copy may hold changes the store has not got (touched, or a round failed). */
  public boolean behind() {
    return changed || !waiting.isEmpty() || !held.isEmpty();
  }

  private BranchworkException fencedFailure() {
    return BranchworkException.conflict("branch " + branch + " was written by another node; reopen it");
  }

  /**
   * Where the store writes of rounds stand: each starts when the one before it has ended, so refs
   * move in capture order and each pack is cut against what the store really holds.
   */
  private Future<Void> storing = Future.succeededFuture();
  /** The last round's store outcome (a failed one leaves {@code changed} set: the next round retries). */
  private Future<Void> lastStored = Future.succeededFuture();

  /**
   * One round: everything waiting when it starts is answered by its outcome. On the mailbox's
   * turn it only captures the work-in-progress commit (local and quick); packing and the store
   * transaction go on after it, one round after the other, while the next ops already run, so a
   * busy workspace keeps its mailbox moving and the next round gathers the ops that arrive meanwhile.
   */
  public Future<Void> round() {
    roundQueued = false;
    changed = false;
    List<Promise<Void>> batch = waiting;
    List<Runnable> events = held;
    List<HookEvent> hooks = announced;
    waiting = new ArrayList<>();
    held = new ArrayList<>();
    announced = new ArrayList<>();
    long t0 = System.nanoTime();
    Future<Captured> captured = fenced ? Future.failedFuture(fencedFailure())
        : vertx.executeBlocking(this::capture, false);
    Future<Void> stored = captured.compose(c -> {
      Future<Void> mine = storing.transform(previous -> store(c, hooks, t0));
      storing = mine.recover(e -> Future.succeededFuture());
      return mine;
    });
    lastStored = stored;
    stored
        .onSuccess(v -> {
          // Events first: a session's answer may then name the seq of the events it caused, and
          // every event before those has gone out ahead of it.
          events.forEach(Runnable::run);
          batch.forEach(Promise::complete);
        })
        .onFailure(e -> {
          // Unacknowledged, but on disk: the next round carries these changes, and their events.
          held.addAll(0, events);
          announced.addAll(0, hooks);
          changed = true;
          batch.forEach(p -> p.fail(e));
          retryLater();
        });
    return captured.<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /**
   * After a failed round (a store outage), tries again in a second even if no op asks: what
   * waits for durability (events, read answers) is then released when the store is back, not at
   * the next write. A fenced workspace never retries (another node owns the branch).
   */
  private void retryLater() {
    vertx.setTimer(RETRY_MS, id -> {
      if (!fenced && !closed && !roundQueued && behind()) {
        roundQueued = true;
        enqueue.apply(this::round).onFailure(e -> LOG.warn("workspace {}/{} could not queue a round", project, branch, e));
      }
    });
  }

  /**
   * Merges the project's small packs now, or once {@link #COMPACT_EVERY_NS} has passed since the
   * last time (a timer, so packs of a burst that then stops are merged too).
   */
  private void compactSoon() {
    long wait = lastCompaction + COMPACT_EVERY_NS - System.nanoTime();
    if (wait > 0) {
      if (!compactionTimer) {
        compactionTimer = true;
        vertx.setTimer(Math.max(1, wait / 1_000_000), id -> {
          compactionTimer = false;
          if (!closed && packsWritten >= Compactor.THRESHOLD) {
            compactSoon();
          }
        });
      }
      return;
    }
    packsWritten = 0;
    lastCompaction = System.nanoTime();
    // Off the mailbox: ops go on while the project's small packs are merged.
    compactor.compactIfNeeded(project).onFailure(e -> LOG.warn("compaction of project {} failed", project, e));
  }

  private boolean compactionTimer;

  private static final long RETRY_MS = 1000;
  private boolean closed;

  /** The workspace is stopping: no round is started by a retry any more. */
  public void close() {
    closed = true;
  }

  /** Whether another node wrote this branch: no change here can become durable any more. */
  public boolean fenced() {
    return fenced;
  }

  /** Answers once no round is storing any more. */
  public Future<Void> settled() {
    return storing;
  }

  private record Captured(ObjectId head, ObjectId wip) {}

  /** The working copy and HEAD as git objects: the mailbox's part of a round. */
  private Captured capture() throws Exception {
    ObjectId head = repo.resolve(Constants.HEAD);
    return new Captured(head, wip.capture(head));
  }

  private Future<Void> store(Captured c, List<HookEvent> hooks, long t0) {
    if (fenced) {
      return Future.failedFuture(fencedFailure());
    }
    String headId = c.head().name();
    String wipId = c.wip() == null ? null : c.wip().name();
    List<RefUpdate> updates = new ArrayList<>();
    if (!Objects.equals(headId, durableHead)) {
      updates.add(new RefUpdate(Refs.head(branch), durableHead, headId));
    }
    if (!Objects.equals(wipId, durableWip)) {
      updates.add(new RefUpdate(Refs.wip(branch), durableWip, wipId));
    }
    if (updates.isEmpty()) {
      // Nothing moved (a change undone within the round), yet its events happened: stored alone.
      return hooks.isEmpty() ? Future.succeededFuture() : store.updateRepo(project, null, null, List.of(), hooks);
    }
    List<ObjectId> wants = c.wip() == null ? List.of(c.head()) : List.of(c.head(), c.wip());
    return packs.send(wants, updates, Arrays.asList(durableHead, durableWip), hooks)
        .onSuccess(pack -> {
          durableHead = headId;
          durableWip = wipId;
          metrics.saved(pack == null ? 0 : pack.bytes(), System.nanoTime() - t0);
          if (pack != null && ++packsWritten >= Compactor.THRESHOLD) {
            compactSoon();
          }
          LOG.debug("workspace {}/{} durable at {} (+{} bytes) in {} ms", project, branch, headId,
              pack == null ? 0 : pack.bytes(), (System.nanoTime() - t0) / 1_000_000);
        })
        .onFailure(e -> {
          if (Failures.normalize(e).code() == ErrorCode.CONFLICT) {
            fenced = true;
            LOG.warn("workspace {}/{} is fenced: {}", project, branch, e.getMessage());
          }
        })
        .mapEmpty();
  }

  /**
   * Makes {@code next} (with what it reaches) durable as ref {@code name}, by compare-and-set from
   * {@code expected} (null: must not exist), with {@code events} for the webhooks in the same transaction.
   */
  public Future<Void> writeRef(String name, String expected, ObjectId next, List<HookEvent> events) {
    return packs.send(List.of(next), List.of(new RefUpdate(name, expected, next.name())), List.of(), events)
        .mapEmpty();
  }
}
