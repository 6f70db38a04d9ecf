package io.branchwork.allocator;

import io.branchwork.cluster.Ownership;
import io.branchwork.contract.Addresses;
import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Failures;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routes a keyed request to the key's owner: serves it from this node's {@link LocalWorkspaces}
 * when this node owns (or claims) the key, forwards it to the owner's allocator otherwise, and
 * starts a register over while an owner turns out not to own the key or cannot be reached.
 */
final class OwnerRouter {

  private static final long RETRY_MS = 200;

  private final Vertx vertx;
  private final Ownership ownership;
  private final LocalWorkspaces local;
  private final long loadTimeoutMs;
  private final long requestTimeoutMs;
  private final int retryLimit;
  /** Told about keys whose dead owner's claim this node just took over. */
  private final Consumer<List<WorkspaceKey>> lost;

  OwnerRouter(Vertx vertx, Ownership ownership, LocalWorkspaces local, long loadTimeoutMs, long requestTimeoutMs,
      long failureTimeoutMs, Consumer<List<WorkspaceKey>> lost) {
    this.vertx = vertx;
    this.ownership = ownership;
    this.local = local;
    this.loadTimeoutMs = loadTimeoutMs;
    this.requestTimeoutMs = requestTimeoutMs;
    // Long enough to outwait the failure detector, after which a dead owner's claim is free.
    this.retryLimit = (int) (3 * failureTimeoutMs / RETRY_MS) + 5;
    this.lost = lost;
  }

  /** A register from a client of this node: claim the key or find its owner. */
  Future<JsonObject> register(AllocatorRequest r) {
    return register(r, 1);
  }

  private Future<JsonObject> register(AllocatorRequest r, int attempt) {
    Future<Void> closing = local.closing(r.key());
    if (closing != null) {
      // A reopen racing an eviction waits for it, then starts over.
      return closing.compose(v -> register(r, attempt));
    }
    if (local.has(r.key())) {
      return local.register(r.key(), r.holder(), r.via());
    }
    return ownership.claim(r.key()).compose(claim -> {
      if (claim.tookOver()) {
        lost.accept(List.of(r.key()));
      }
      if (claim.owner().equals(ownership.self())) {
        Future<Void> stillClosing = local.closing(r.key());
        return stillClosing != null
            ? stillClosing.compose(v -> register(r, attempt))
            : local.register(r.key(), r.holder(), r.via());
      }
      return forward(claim.owner(), r, loadTimeoutMs)
          .recover(e -> retry(e, attempt, () -> register(r, attempt + 1)));
    });
  }

  /** A register another node forwarded here because the claims name this node as the owner. */
  Future<JsonObject> registerAsOwner(AllocatorRequest r) {
    Future<Void> closing = local.closing(r.key());
    if (closing != null) {
      return closing.compose(v -> notOwner(r.key()));
    }
    if (local.has(r.key())) {
      return local.register(r.key(), r.holder(), r.via());
    }
    return ownership.owner(r.key()).compose(owner -> {
      if (owner.isPresent() && owner.get().equals(ownership.self()) && local.closing(r.key()) == null) {
        return local.register(r.key(), r.holder(), r.via());
      }
      return notOwner(r.key());
    });
  }

  Future<JsonObject> deregister(AllocatorRequest r, boolean forwarded) {
    if (local.deregister(r.key(), r.holder()) || forwarded) {
      return Future.succeededFuture(new JsonObject());
    }
    return ownership.owner(r.key()).compose(owner -> {
      if (owner.isEmpty() || owner.get().equals(ownership.self()) || !ownership.isLive(owner.get())) {
        return Future.succeededFuture(new JsonObject()); // nobody holds it any more
      }
      return forward(owner.get(), r, requestTimeoutMs).recover(e -> Future.succeededFuture(new JsonObject()));
    });
  }

  /** Lookup and kill: answered by the owner, wherever it is; {@code here} when that is this node. */
  Future<JsonObject> onOwner(AllocatorRequest r, boolean forwarded, Supplier<Future<JsonObject>> here) {
    if (local.has(r.key())) {
      return here.get();
    }
    BranchworkException notOpen = BranchworkException.notFound("workspace " + r.key() + " is not open");
    if (forwarded) {
      return Future.failedFuture(notOpen);
    }
    return ownership.owner(r.key()).compose(owner -> {
      if (owner.isEmpty() || owner.get().equals(ownership.self()) || !ownership.isLive(owner.get())) {
        return Future.failedFuture(notOpen);
      }
      // An owner that let the key go meanwhile: it is not open there any more.
      return forward(owner.get(), r, requestTimeoutMs).recover(e ->
          Failures.normalize(e).code() == ErrorCode.NOT_OWNER ? Future.failedFuture(notOpen) : Future.failedFuture(e));
    });
  }

  private Future<JsonObject> forward(String owner, AllocatorRequest r, long timeoutMs) {
    return vertx.eventBus().<JsonObject>request(Addresses.allocatorOf(owner), r.via().into(r.body().copy()),
        new DeliveryOptions().setSendTimeout(timeoutMs)).map(Message::body);
  }

  /**
   * Starts a register over when the owner turned out not to own the key (it just let it go) or
   * could not be reached (it is stopping or dead: its claim frees up once it is gone).
   */
  private Future<JsonObject> retry(Throwable e, int attempt, Supplier<Future<JsonObject>> again) {
    // Anything but a timeout or the owner's own answer is about reaching the owner, not the request.
    boolean retryable = !(e instanceof ReplyException re)
        || re.failureCode() == ErrorCode.NOT_OWNER.status() || re.failureType() == ReplyFailure.NO_HANDLERS
        || re.failureType() == ReplyFailure.ERROR;
    if (!retryable) {
      return Future.failedFuture(Failures.normalize(e));
    }
    if (attempt >= retryLimit) {
      // What the client hears is that the owner could not be reached, never the internal detail.
      return Future.failedFuture(BranchworkException.overloaded("no node could serve this workspace after "
          + attempt + " tries; try again"));
    }
    return vertx.timer(RETRY_MS).compose(t -> again.get());
  }

  private static Future<JsonObject> notOwner(WorkspaceKey key) {
    return Future.failedFuture(new BranchworkException(ErrorCode.NOT_OWNER, key + " is not owned by this node"));
  }
}
