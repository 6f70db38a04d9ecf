package io.branchwork.githttp;

import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.gitstore.PackCatchUp;
import io.branchwork.gitstore.RepoLoader;
import io.branchwork.gitstore.Repos;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RepoState;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectIdRef;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SymbolicRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per node, each project's object database as the store holds it, for git over HTTP: built once
 * from the store's packs, then caught up pack by pack (a push or a workspace round adds one
 * small pack; only that is fetched). Refs are never written here: every request reads the
 * store's refs and packs in one transaction and advertises exactly those, so a clone sees every
 * branch's current head even though the objects were fetched earlier. A mirror whose packs the
 * store compacted away is retired and built anew; mirrors unused for a while, or past the count
 * limit, are closed and deleted once no request uses them. Thread-safe: the HTTP verticle's
 * instances share one.
 */
public final class ProjectMirrors {

  private static final Logger LOG = LoggerFactory.getLogger(ProjectMirrors.class);
  private static final long IDLE_MS = 10 * 60_000;

  /** One request's view: the mirror's repository and objects, and the store's refs it advertises. */
  public record Lease(Repository repo, Path objects, Map<String, Ref> advertised, Runnable release) {}

  private final class Mirror {
    final String project;
    final Path dir;
    final Set<String> packs = ConcurrentHashMap.newKeySet();
    final Set<String> installing = new HashSet<>();
    volatile Repository repo;
    Future<Void> ready;
    int users;
    boolean retired;
    long lastUsed;

    Mirror(String project, Path dir) {
      this.project = project;
      this.dir = dir;
    }
  }

  private final Vertx vertx;
  private final Store store;
  private final Path root;
  private final int maxMirrors;
  private final Map<String, Mirror> mirrors = new HashMap<>();
  private final long timer;
  private long built;

  public ProjectMirrors(Vertx vertx, Store store, Path root, int maxMirrors) {
    this.vertx = vertx;
    this.store = store;
    this.root = root;
    this.maxMirrors = maxMirrors;
    this.timer = vertx.setPeriodic(60_000, t -> evictIdle());
  }

  /**
   * The project's mirror, caught up with the store's state read now; release the lease when done.
   * A pack that a compaction replaced while it was being fetched sends it back to read the new
   * state (twice at most).
   */
  public Future<Lease> acquire(String project) {
    return acquire(project, 3);
  }

  private Future<Lease> acquire(String project, int attempts) {
    return acquireOnce(project).recover(e -> attempts > 1 && RepoLoader.packReplaced(e)
        ? acquire(project, attempts - 1) : Future.failedFuture(e));
  }

  private Future<Lease> acquireOnce(String project) {
    return store.repoState(project).compose(state -> {
      Mirror m;
      Future<Void> ready;
      synchronized (this) {
        m = mirrors.get(project);
        Set<String> stored = new HashSet<>();
        state.packs().forEach(p -> stored.add(p.id()));
        if (m != null && !stored.containsAll(m.packs)) {
          retire(m); // the store merged packs this mirror has: built anew rather than kept twice
          m = null;
        }
        if (m == null) {
          m = create(project);
        }
        m.users++;
        m.lastUsed = System.currentTimeMillis();
        List<PackInfo> missing = new ArrayList<>();
        for (PackInfo p : state.packs()) {
          if (!m.packs.contains(p.id()) && m.installing.add(p.id())) {
            missing.add(p);
          }
        }
        if (!missing.isEmpty()) {
          Mirror target = m;
          m.ready = m.ready.transform(ar -> install(target, missing));
        }
        ready = m.ready;
        evictOverLimit();
      }
      Mirror mine = m;
      return ready.transform(ar -> {
        // Whatever happened to earlier installs, this request needs every pack of its state.
        if (mine.repo == null || !mine.packs.containsAll(state.packs().stream().map(PackInfo::id).toList())) {
          release(mine);
          return Future.failedFuture(ar.failed() ? ar.cause()
              : BranchworkException.overloaded("the project's repository is being prepared; try again"));
        }
        return Future.succeededFuture(new Lease(mine.repo, mine.dir.resolve("repo.git").resolve("objects"),
            advertised(state), () -> release(mine)));
      });
    });
  }

  /** Closes every mirror (at node stop); their directories go with the node's work directory. */
  public synchronized void close() {
    vertx.cancelTimer(timer);
    for (Mirror m : new ArrayList<>(mirrors.values())) {
      retire(m);
    }
  }

  private Mirror create(String project) {
    Mirror m = new Mirror(project, root.resolve(project + "-" + (++built)));
    mirrors.put(project, m);
    m.ready = vertx.executeBlocking(() -> {
      Files.createDirectories(m.dir);
      m.repo = Repos.initBare(m.dir.resolve("repo.git"));
      return null;
    }, false);
    return m;
  }

  /** Fetches {@code packs} from the store and installs them (each checked, as a load does). */
  private Future<Void> install(Mirror m, List<PackInfo> packs) {
    long t0 = System.nanoTime();
    Future<Void> done = m.repo == null ? Future.failedFuture("the mirror could not be made")
        : PackCatchUp.install(vertx, store, m.project, m.repo, packs, m.dir, m.packs::add);
    return done.andThen(ar -> {
      synchronized (this) {
        packs.forEach(p -> m.installing.remove(p.id()));
      }
      if (ar.succeeded()) {
        long bytes = packs.stream().mapToLong(PackInfo::bytes).sum();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (m.packs.size() == packs.size()) {
          LOG.info("git mirror of {} built: {} pack(s), {} bytes in {} ms", m.project, packs.size(), bytes, ms);
        } else {
          LOG.debug("git mirror of {} caught up: {} pack(s), {} bytes in {} ms", m.project, packs.size(), bytes, ms);
        }
      }
    });
  }

  /** The store's branches and tags as refs, HEAD naming {@code main} (else the first branch). */
  private static Map<String, Ref> advertised(RepoState state) {
    Map<String, Ref> refs = new LinkedHashMap<>();
    Ref main = null;
    Ref first = null;
    for (Map.Entry<String, String> e : new TreeMap<>(state.refs()).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(Constants.R_HEADS) && !name.startsWith(Constants.R_TAGS)) {
        continue; // the hidden refs (work in progress, markers) stay in the store
      }
      Ref ref = new ObjectIdRef.Unpeeled(Ref.Storage.NETWORK, name, ObjectId.fromString(e.getValue()));
      refs.put(name, ref);
      if (name.equals(Constants.R_HEADS + "main")) {
        main = ref;
      } else if (first == null && name.startsWith(Constants.R_HEADS)) {
        first = ref;
      }
    }
    Ref head = main != null ? main : first;
    if (head != null) {
      refs.put(Constants.HEAD, new SymbolicRef(Constants.HEAD, head));
    }
    return refs;
  }

  private synchronized void release(Mirror m) {
    m.users--;
    m.lastUsed = System.currentTimeMillis();
    if (m.retired && m.users == 0) {
      delete(m);
    }
  }

  /** Out of the table; deleted once its last request is done. Called holding the lock. */
  private void retire(Mirror m) {
    LOG.info("git mirror of {} dropped ({} pack(s), idle since {})", m.project, m.packs.size(),
        Instant.ofEpochMilli(m.lastUsed));
    if (mirrors.get(m.project) == m) {
      mirrors.remove(m.project);
    }
    m.retired = true;
    if (m.users == 0) {
      delete(m);
    }
  }

  private void delete(Mirror m) {
    m.ready.onComplete(ar -> vertx.executeBlocking(() -> {
      if (m.repo != null) {
        m.repo.close();
      }
      FileTrees.deleteQuietly(m.dir);
      return null;
    }, false));
  }

  private synchronized void evictIdle() {
    long cutoff = System.currentTimeMillis() - IDLE_MS;
    for (Mirror m : new ArrayList<>(mirrors.values())) {
      if (m.users == 0 && m.lastUsed < cutoff) {
        retire(m);
      }
    }
  }

  /** Past the limit, the least recently used idle mirrors go. Called holding the lock. */
  private void evictOverLimit() {
    if (mirrors.size() <= maxMirrors) {
      return;
    }
    mirrors.values().stream().filter(m -> m.users == 0).sorted(Comparator.comparingLong(m -> m.lastUsed))
        .limit(mirrors.size() - maxMirrors).toList().forEach(this::retire);
  }
}
