package io.branchwork.cluster;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A node alone: it owns every key, and nobody else ever joins or leaves. */
public final class StandaloneOwnership implements Ownership {

  private static final String SELF = "local";
  private final String tag;

  public StandaloneOwnership(String tag) {
    this.tag = tag;
  }

  @Override
  public String self() {
    return SELF;
  }

  @Override
  public String selfTag() {
    return tag;
  }

  @Override
  public Future<Claim> claim(WorkspaceKey key) {
    return Future.succeededFuture(new Claim(SELF, false));
  }

  @Override
  public Future<Void> awaitUnserved(WorkspaceKey key, long timeoutMs) {
    return Future.succeededFuture(); // the allocator's own table already rules out a second deployment
  }

  @Override
  public Future<Optional<String>> owner(WorkspaceKey key) {
    return Future.succeededFuture(Optional.of(SELF));
  }

  @Override
  public Future<Void> release(WorkspaceKey key) {
    return Future.succeededFuture();
  }

  @Override
  public boolean isLive(String node) {
    return SELF.equals(node);
  }

  @Override
  public Set<String> liveNodes() {
    return Set.of(SELF);
  }

  @Override
  public Set<String> liveTags() {
    return Set.of(tag);
  }

  @Override
  public boolean isLeader() {
    return true;
  }

  @Override
  public Future<List<WorkspaceKey>> dropDeadClaims() {
    return Future.succeededFuture(List.of());
  }

  @Override
  public Runnable onMembershipChange(Runnable action) {
    return () -> { }; // nobody joins or leaves
  }

  @Override
  public boolean clustered() {
    return false;
  }
}
