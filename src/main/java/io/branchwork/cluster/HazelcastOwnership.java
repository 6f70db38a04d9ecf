package io.branchwork.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims in a cluster-wide map, workspace address → owner node id, changed only with Hazelcast's
 * atomic per-key operations: {@code putIfAbsent} to claim a free key, {@code replace(k, old, new)}
 * to take over a dead owner's key, {@code remove(k, self)} to let go. Each is one linearizable
 * step at the key's partition owner, so two nodes racing on a key cannot both win, and, unlike
 * a lock around get-then-put, there is no lock lease to leak when a holder is killed. Claims of
 * a node that is gone are recognised by membership, not by time.
 */
public final class HazelcastOwnership implements Ownership {

  private static final Logger LOG = LoggerFactory.getLogger(HazelcastOwnership.class);
  /** The claims: workspace address → owner's node id. */
  static final String MAP = "branchwork.owners";
  private static final int CLAIM_ATTEMPTS = 5;
  private static final long POLL_MS = 50;

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final AsyncMap<String, String> owners;
  private final String tag;

  private HazelcastOwnership(Vertx vertx, HazelcastClusterManager manager, AsyncMap<String, String> owners,
      String tag) {
    this.vertx = vertx;
    this.manager = manager;
    this.owners = owners;
    this.tag = tag;
  }

  /**
   * The ownership of a node that has joined. Fails when another member carries the same
   * {@code node.tag}: the two would wipe each other's session rows.
   */
  public static Future<Ownership> create(Vertx vertx, HazelcastClusterManager manager, String tag) {
    long sameTag = manager.getHazelcastInstance().getCluster().getMembers().stream()
        .filter(m -> tag.equals(m.getAttribute(ClusterSetup.TAG_ATTRIBUTE))).count();
    if (sameTag > 1) {
      return Future.failedFuture(new IllegalStateException("node.tag '" + tag + "' is already used by another"
          + " cluster member; give every node its own (BRANCHWORK_NODE_TAG)"));
    }
    return vertx.sharedData().<String, String>getAsyncMap(MAP)
        .map(map -> new HazelcastOwnership(vertx, manager, map, tag));
  }

  @Override
  public String self() {
    return manager.getNodeId();
  }

  @Override
  public String selfTag() {
    return tag;
  }

  @Override
  public Future<Claim> claim(WorkspaceKey key) {
    return claim(key.address(), 1);
  }

  private Future<Claim> claim(String k, int attempt) {
    String me = self();
    return owners.putIfAbsent(k, me).compose(prev -> {
      if (prev == null || prev.equals(me) || isLive(prev)) {
        return Future.succeededFuture(new Claim(prev == null ? me : prev, false));
      }
      // The owner is gone: take its claim over, unless someone else just did.
      return owners.replaceIfPresent(k, prev, me).compose(took -> {
        if (took) {
          return Future.succeededFuture(new Claim(me, true));
        }
        if (attempt >= CLAIM_ATTEMPTS) {
          return Future.failedFuture(BranchworkException.conflict("workspace " + k + " keeps changing owner"));
        }
        return claim(k, attempt + 1);
      });
    });
  }

  @Override
  public Future<Void> awaitUnserved(WorkspaceKey key, long timeoutMs) {
    return awaitUnserved(key.address(), System.currentTimeMillis() + timeoutMs);
  }

  private Future<Void> awaitUnserved(String address, long deadline) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    manager.getRegistrations(address, registrations);
    return registrations.future().compose(list -> {
      Set<String> live = liveNodes();
      boolean servedElsewhere = false;
      boolean stale = false;
      for (RegistrationInfo r : list) {
        if (!live.contains(r.nodeId())) {
          stale = true;
        } else if (!r.nodeId().equals(self())) {
          servedElsewhere = true;
        }
      }
      if (!servedElsewhere && !stale) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() >= deadline) {
        if (servedElsewhere) {
          return Future.failedFuture(BranchworkException.conflict(address + " is served by another node"));
        }
        LOG.warn("{} still has consumers of departed nodes; deploying anyway", address);
        return Future.succeededFuture();
      }
      return vertx.timer(POLL_MS).compose(t -> awaitUnserved(address, deadline));
    });
  }

  @Override
  public Future<Optional<String>> owner(WorkspaceKey key) {
    return owners.get(key.address()).map(Optional::ofNullable);
  }

  @Override
  public Future<Void> release(WorkspaceKey key) {
    return owners.removeIfPresent(key.address(), self()).mapEmpty();
  }

  @Override
  public boolean isLive(String node) {
    return manager.getNodes().contains(node);
  }

  @Override
  public Set<String> liveNodes() {
    return new HashSet<>(manager.getNodes());
  }

  @Override
  public Set<String> liveTags() {
    Set<String> tags = new HashSet<>();
    for (Member m : hazelcast().getCluster().getMembers()) {
      String t = m.getAttribute(ClusterSetup.TAG_ATTRIBUTE);
      if (t != null) {
        tags.add(t);
      }
    }
    return tags;
  }

  @Override
  public boolean isLeader() {
    // Hazelcast keeps the member list in join order on every member; the oldest leads.
    var members = hazelcast().getCluster().getMembers();
    return !members.isEmpty() && members.iterator().next().localMember();
  }

  @Override
  public Future<List<WorkspaceKey>> dropDeadClaims() {
    return owners.entries().compose(all -> {
      Set<String> live = liveNodes();
      List<WorkspaceKey> keys = new ArrayList<>();
      List<Future<Boolean>> removed = new ArrayList<>();
      for (Map.Entry<String, String> e : all.entrySet()) {
        WorkspaceKey key = WorkspaceKey.fromAddress(e.getKey());
        if (key != null && !live.contains(e.getValue())) {
          keys.add(key);
          removed.add(owners.removeIfPresent(e.getKey(), e.getValue()));
        }
      }
      return Future.all(removed).map(cf -> {
        List<WorkspaceKey> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
          if (removed.get(i).result()) {
            out.add(keys.get(i));
          }
        }
        return out;
      });
    });
  }

  @Override
  public Runnable onMembershipChange(Runnable action) {
    Context context = Vertx.currentContext();
    UUID id = hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        LOG.info("node {} joined the cluster ({} members)", describe(event.getMember()), event.getMembers().size());
        context.runOnContext(v -> action.run());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        LOG.info("node {} left the cluster ({} members)", describe(event.getMember()), event.getMembers().size());
        context.runOnContext(v -> action.run());
      }
    });
    return () -> hazelcast().getCluster().removeMembershipListener(id);
  }

  private static String describe(Member m) {
    return m.getAttribute(ClusterSetup.TAG_ATTRIBUTE) + " " + m.getAddress();
  }

  @Override
  public boolean clustered() {
    return true;
  }

  private HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }
}
