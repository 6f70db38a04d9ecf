package io.branchwork.store;

import io.branchwork.store.Records.Delivery;
import io.branchwork.store.Records.DueDelivery;
import io.branchwork.store.Records.Hook;
import io.branchwork.store.Records.HookAttempt;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Webhooks in the store ({@link Store#hooks()}): the hooks, and the outbox their deliveries wait
 * in. Deliveries are queued by the repository changes that cause them
 * ({@link Store#updateRepo(String, Records.PackInfo, Content, List, List)} and the branch
 * operations); here they are claimed, recorded, listed and redelivered.
 */
public interface HookStore {

  /** Adds a hook; {@code conflict} past {@code maxPerProject}, {@code not_found} when the project is gone. */
  Future<Void> createHook(Hook hook, String secret, int maxPerProject);

  Future<List<Hook>> listHooks(String project);

  Future<Optional<Hook>> findHook(String project, String id);

  /** Deletes a hook with its deliveries; false when the project has no such hook. */
  Future<Boolean> deleteHook(String project, String id);

  /**
   * Claims up to {@code limit} deliveries due at {@code now} for {@code owner} (unique per claim)
   * until {@code leaseUntil}, passing over the hooks in {@code skip}: no other claim gets them
   * before then.
   */
  Future<List<DueDelivery>> claimDeliveries(String owner, long now, long leaseUntil, int limit, Collection<String> skip);

  default Future<List<DueDelivery>> claimDeliveries(String owner, long now, long leaseUntil, int limit) {
    return claimDeliveries(owner, now, leaseUntil, limit, List.of());
  }

  /**
   * Records attempt {@code attempt} of a claimed delivery and its new {@code status}
   * ({@code pending}, {@code delivered}, {@code failed}) with its next try at {@code nextAt};
   * false (nothing recorded) when {@code owner}'s lease was lost.
   */
  Future<Boolean> finishDelivery(String id, String owner, HookAttempt attempt, String status, long nextAt);

  /** Gives a claimed delivery back untried (no attempt counted), due again at {@code nextAt}. */
  Future<Boolean> deferDelivery(String id, String owner, long nextAt);

  /** The hook's newest deliveries with their attempts; {@code not_found} when the hook is not the project's. */
  Future<List<Delivery>> listDeliveries(String project, String hookId, int limit);

  /** Sends an ended delivery again from {@code now}, retried until {@code deadline}. */
  Future<Void> redeliver(String project, String hookId, String deliveryId, long now, long deadline);

  /** Drops ended deliveries created before {@code before}. */
  Future<Integer> purgeDeliveries(long before);
}
