package io.branchwork.store;

import io.branchwork.contract.Role;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.ProjectRole;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Records.Token;
import io.branchwork.store.Records.User;
import io.branchwork.store.Records.WorkspaceSession;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything Branchwork persists. Two engines implement it (embedded and PostgreSQL) and one
 * test suite holds both to it. Every method is asynchronous and safe to call from any event
 * loop; failures that clients may see are {@link io.branchwork.core.BranchworkException}s
 * ({@code conflict} for a taken name, {@code not_found} for a missing row).
 */
public interface Store {

  // --- users and tokens

  /** Fails {@code conflict} when the name is taken. */
  Future<Void> createUser(String username, String passwordHash);

  Future<Optional<User>> findUser(String username);

  Future<Void> createToken(String tokenHash, String username, long expiresAt);

  Future<Optional<Token>> findToken(String tokenHash);

  Future<Void> deleteToken(String tokenHash);

  /** Drops tokens that expired before {@code now}; answers how many. */
  Future<Integer> deleteExpiredTokens(long now);

  // --- projects and members

  /** Creates the project with {@code owner} as its owner; {@code conflict} when the id is taken. */
  Future<Void> createProject(String id, String name, String owner);

  /** Removes a project and everything under it (members, snapshots). */
  Future<Void> deleteProject(String id);

  Future<Boolean> projectExists(String id);

  Future<List<ProjectRole>> listProjects(String username);

  /** Adds or changes a member; {@code not_found} when the user or project does not exist. */
  Future<Void> setMember(String projectId, String username, Role role);

  Future<Optional<Role>> role(String projectId, String username);

  // --- snapshots

  /**
   * Stores the tar.gz at {@code archive} as the next version of the branch, in chunks and in one
   * transaction, then prunes to the newest {@code keep}. With {@code expectedVersion} set (0 for
   * "no version yet") the write fails {@code conflict} unless the branch's latest version is
   * still that one, which fences writers that lost track of the branch.
   */
  Future<SnapshotMeta> writeSnapshot(String project, String branch, String head, Path archive,
      Long expectedVersion);

  Future<Optional<SnapshotMeta>> latestSnapshot(String project, String branch);

  /** Writes the archive of that version to {@code target}, chunk by chunk. */
  Future<Void> readSnapshot(SnapshotMeta meta, Path target);

  /**
   * Renames a branch with all its snapshot versions (and its session row); {@code conflict}
   * when {@code to} has data, {@code not_found} when {@code from} has none.
   */
  Future<Void> renameBranch(String project, String from, String to);

  /** Deletes a branch and all its snapshot versions; {@code not_found} when it has none. */
  Future<Void> deleteBranch(String project, String branch);

  /** The branches of a project that have a snapshot, with the head of the latest one. */
  Future<List<BranchHead>> listBranches(String project);

  // --- workspace sessions (crash-safe bookkeeping of who holds what, per node)

  Future<Void> putWorkspaceSession(WorkspaceSession session);

  Future<Void> deleteWorkspaceSession(String project, String branch);

  Future<Void> addHolder(String project, String branch, String holder, String serverTag);

  Future<Void> removeHolder(String project, String branch, String holder);

  /** Deletes every session and holder row of a node; answers how many sessions it removed. */
  Future<Integer> wipeServer(String serverTag);

  Future<List<WorkspaceSession>> listWorkspaceSessions();

  /** Every node tag that some session or holder row carries. */
  Future<List<String>> sessionServerTags();

  // --- lifecycle

  /** A cheap round trip, for health checks. */
  Future<Void> ping();

  Future<Void> close();
}
