package io.branchwork.workspace;

import io.branchwork.contract.ErrorCode;
import io.branchwork.contract.WorkspaceOp;
import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.FileTrees;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.gitstore.RepoLoader;
import io.branchwork.services.Services;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.views.ReadView;
import io.branchwork.workspace.files.ContentCache;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a (project, branch) working copy. Deployed by the allocator; {@code start()}
 * checks the branch out of the project's repository in the store ({@link RepoLoader}: head plus
 * work in progress) into a directory of its own and completes once the workspace answers on
 * {@code workspace.<project>.<branch>}. Ops run one at a time in arrival order through
 * {@link OpQueue} (see {@link Dispatcher}); mutating ops of other sessions wait in {@link LockGate}
 * while one session holds the lock; an op that changes the working copy or HEAD is answered once
 * its {@link Persister} round has stored it. {@code stop()} waits for the rounds in flight and
 * deletes the directory.
 */
public final class WorkspaceVerticle extends VerticleBase implements Workspace {

  private static final Logger LOG = LoggerFactory.getLogger(WorkspaceVerticle.class);
  /** The pool, shared by the node's workspaces, that compile and diff run on. */
  static final String HEAVY_POOL = "branchwork-heavy-ops";
  /** Files larger than this are always read from disk; the cache is for the many small ones. */
  private static final int CACHE_MAX_FILE_BYTES = 256 * 1024;

  private final Services services;
  private final WorkspaceSettings settings;
  private final Map<String, Op> ops = new HashMap<>();
  private final Map<String, GroupOp> groups = new HashMap<>();
  private final Map<String, BesideOp> besides = new HashMap<>();
  private WorkspaceKey key;
  private OpQueue queue;
  private LockGate lock;
  private Idempotency idempotency;
  private WorkspaceEvents events;
  private MessageConsumer<JsonObject> consumer;
  /** Compile and diff, each up to its time bound, on a pool of their own: never all of the shared one. */
  private WorkerExecutor heavy;
  private Path dir;
  private Path workTree;
  private Repository repo;
  private String head;
  private Persister persister;
  private Dispatcher dispatcher;
  /** The acknowledged content of small files, published for this node's gateways. */
  private ReadView view;
  /** Asked at stop: false when this node lost its claim (another owner's snapshot must win) or closes without saving. */
  private final BooleanSupplier saveOnStop;
  /**
   * The branch was renamed to this key: ops are refused until the allocator closes the workspace,
   * and nothing is saved here again (its data lives under the new name).
   */
  private WorkspaceKey retiredTo;
  private long arrivals;
  /** {@code settings} are the node's, read once; {@code saveOnStop} is asked when the workspace stops whether its unsaved changes are to be kept. */
  public WorkspaceVerticle(WorkspaceKey key, Services services, WorkspaceSettings settings, BooleanSupplier saveOnStop) {
    this.key = key;
    this.services = services;
    this.settings = settings;
    this.saveOnStop = saveOnStop;
  }

  @Override
  public Future<?> start() {
    long t0 = System.nanoTime();
    queue = new OpQueue(settings.queueLimit());
    idempotency = new Idempotency(settings.idempotencyTtlMs(), settings.idempotencyKeys());
    events = new WorkspaceEvents(vertx.eventBus(), key, settings.eventBuffer());
    lock = new LockGate(vertx, events, settings.opTimeoutMs(), settings.queueLimit());
    heavy = vertx.createSharedWorkerExecutor(HEAVY_POOL, settings.heavyOpThreads());
    return vertx.executeBlocking(() -> Files.createTempDirectory(services.workRoot(), "ws-"), false)
        .compose(d -> {
          dir = d;
          return new RepoLoader(vertx, services.store(), settings.checkouts().maxBytes(),
              settings.checkouts().maxEntries()).load(key, d.resolve("wc"));
        })
        .compose(loaded -> {
          open(loaded);
          registerOps(loaded.checkout().bytes());
          consumer = vertx.eventBus().consumer(key.address(), this::onMessage);
          return consumer.completion();
        })
        .onSuccess(v -> {
          services.views().publish(key, view);
          services.metrics().loaded(System.nanoTime() - t0);
          LOG.debug("workspace {} loaded at {} in {} ms", key, head, (System.nanoTime() - t0) / 1_000_000);
        })
        // A failed load leaves a directory behind: deleted on a worker (never on the event loop),
        // and the deployment fails only once it is gone.
        .recover(e -> vertx.executeBlocking(() -> {
          cleanUp();
          return null;
        }, false).transform(ar -> Future.failedFuture(e)));
  }

  private void open(RepoLoader.Loaded loaded) {
    repo = loaded.checkout().repo();
    workTree = loaded.checkout().workTree();
    head = loaded.checkout().head().name();
    persister = new Persister(vertx, services.store(), services.metrics(), key.project(), key.branch(), repo,
        loaded.checkout().wip(),
        services.tmpRoot(), loaded.state().refs(), queue::submitInternal);
    events.deferChanges(persister::afterDurable);
    dispatcher = new Dispatcher(queue, lock, persister, groups, besides);
  }

  @Override
  public Future<?> stop() {
    if (view != null) {
      services.views().withdraw(key, view);
    }
    Future<?> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered
        .compose(v -> {
          lock.close();
          return queue.close();
        })
        // Every acknowledged change is in the store already; a change whose round failed (a store
        // outage) was never acknowledged, but gets one more chance here.
        .compose(v -> persister == null ? Future.<Void>succeededFuture() : persister.settled())
        .compose(v -> persister != null && persister.behind() && settings.saveOnEvict() && retiredTo == null
            && saveOnStop.getAsBoolean()
            ? persister.round().compose(x -> persister.settled()).andThen(x -> {
              if (persister.behind()) {
                LOG.error("workspace {} could not store its last unacknowledged changes; they are lost", key);
              }
            })
            : Future.<Void>succeededFuture())
        .eventually(() -> {
          if (persister != null) {
            persister.close();
          }
          return vertx.executeBlocking(() -> {
            cleanUp();
            return null;
          }, false);
        });
  }

  private void cleanUp() {
    if (heavy != null) {
      heavy.close();
    }
    if (repo != null) {
      repo.close();
    }
    if (dir != null) {
      FileTrees.deleteQuietly(dir);
    }
  }

  /** Every op's handler (see {@link Handlers}), on the checked-out working copy of {@code bytes} bytes. */
  private void registerOps(long bytes) {
    WorkingCopy files = new WorkingCopy(workTree, settings.maxFileBytes(), settings.checkouts().maxBytes(), bytes,
        this::storeBlob);
    view = new ReadView(settings.cacheBytes(), CACHE_MAX_FILE_BYTES);
    TreeState tree = new TreeState(files, new ContentCache(settings.cacheBytes(), CACHE_MAX_FILE_BYTES), view);
    Handlers.register(new Handlers.Parts(vertx, services.store(), this, settings, events, persister, lock, heavy, tree,
        () -> head, services.render(), queue::submitInternal), ops, groups, besides);
  }

  private void onMessage(Message<JsonObject> msg) {
    long t0 = System.nanoTime();
    JsonObject body = msg.body();
    if (body == null) {
      Failures.reply(msg, BranchworkException.badRequest("a request must be a JSON object"));
      return;
    }
    Object opName = body.getValue(WorkspaceOps.FIELD_OP);
    if (retiredTo != null) {
      Failures.reply(msg, new BranchworkException(ErrorCode.NO_WORKSPACE, "the branch was renamed to "
          + retiredTo.branch() + "; open that"));
      return;
    }
    WorkspaceOp spec = opName instanceof String s ? WorkspaceOp.of(s) : null;
    Op op = spec == null ? null : ops.get(spec.wire());
    if (op == null && (spec == null || !besides.containsKey(spec.wire()))) {
      Failures.reply(msg, BranchworkException.badRequest("unknown op '" + opName + "'"));
      return;
    }
    String user = body.getString(WorkspaceOps.FIELD_USER);
    if (user == null) {
      Failures.reply(msg, BranchworkException.badRequest("'user' is required"));
      return;
    }
    Request request = new Request(spec, body, user, body.getString(WorkspaceOps.FIELD_HOLDER));
    Promise<JsonObject> reply = Promise.promise();
    reply.future().onComplete(ar -> {
      services.metrics().op(request.op(), System.nanoTime() - t0);
      if (ar.succeeded()) {
        msg.reply(events.stamp(request, ar.result()));
      } else {
        Failures.reply(msg, ar.cause());
      }
    });
    Future<JsonObject> first = idempotency.repeat(request, reply.future());
    if (first != null) {
      first.onComplete(reply); // a repeat of a keyed request: the first one's answer, not applied again
      return;
    }
    dispatcher.accept(request, op, ++arrivals, reply);
  }

  /**
   * A written file's blob goes into the repository as it is written: its one hash names it for
   * the answer and for the round's capture, which then need not read and hash the file again.
   */
  private String storeBlob(byte[] content) throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      ObjectId id = ins.insert(Constants.OBJ_BLOB, content);
      ins.flush();
      return id.name();
    }
  }

  // --- what the op handlers may ask of their workspace

  @Override
  public WorkspaceKey key() {
    return key;
  }

  @Override
  public Path workTree() {
    return workTree;
  }

  @Override
  public Repository repo() {
    return repo;
  }

  @Override
  public String head() {
    return head;
  }

  @Override
  public void committed(String commit) {
    head = commit;
    persister.headMoved();
  }

  @Override
  public Future<Void> writeRef(String name, String expected, ObjectId commit, List<HookEvent> events) {
    return persister.writeRef(name, expected, commit, events);
  }

  @Override
  public void announce(HookEvent event) {
    persister.announce(event);
  }

  /** The branch now lives at {@code target}: refuse every op and never save here again. */
  @Override
  public void retire(WorkspaceKey target) {
    retiredTo = target;
    services.views().withdraw(key, view);
  }
}
