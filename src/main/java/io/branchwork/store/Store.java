package io.branchwork.store;

import io.branchwork.contract.Role;
import io.branchwork.store.Records.AccessToken;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.Checkpoint;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.ProjectRole;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Records.RepoState;
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

  /** Stores a personal access token of {@code username} by its hash. */
  Future<Void> createAccessToken(String tokenHash, String username, AccessToken token);

  /** The user's personal access tokens, newest first; expired ones included until purged. */
  Future<List<AccessToken>> listAccessTokens(String username);

  /** Deletes one of the user's access tokens; answers its hash (to drop live connections), empty when none. */
  Future<Optional<String>> deleteAccessToken(String username, String id);

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

  // --- the project's git repository

  /** The project's refs and packs, read in one transaction. */
  Future<RepoState> repoState(String project);

  /** Writes one pack of the project to {@code target}, chunk by chunk. */
  Future<Void> readPack(String project, String packId, Path target);

  /** One pack of the project in memory: only for packs known to be small (see {@link PackInfo#bytes()}). */
  Future<byte[]> readPack(String project, String packId);

  /**
   * Adds {@code pack} (stored from {@code content}; both null for none) and applies every ref
   * update in one transaction: all or nothing. Fails {@code conflict} when a ref is no longer at
   * its expected value, {@code not_found} when the project is gone.
   */
  default Future<Void> updateRepo(String project, PackInfo pack, Content content, List<RefUpdate> updates) {
    return updateRepo(project, pack, content, updates, List.of());
  }

  /**
   * {@link #updateRepo(String, PackInfo, Content, List)} that also queues {@code events} for the
   * project's webhooks in the same transaction (the outbox): the change and its deliveries are
   * stored together or not at all.
   */
  Future<Void> updateRepo(String project, PackInfo pack, Content content, List<RefUpdate> updates,
      List<HookEvent> events);

  /**
   * Replaces the packs {@code replaced} by {@code merged} (which holds all their objects) in one
   * transaction; answers false, changing nothing, when one of them is already gone.
   */
  Future<Boolean> replacePacks(String project, PackInfo merged, Content content, List<String> replaced);

  /** Records an explicit checkpoint of a branch; answers its version (1, 2, ...). */
  Future<Long> checkpoint(String project, String branch, String head, String wip);

  Future<Optional<Checkpoint>> latestCheckpoint(String project, String branch);

  /**
   * Renames a branch: its head and work-in-progress refs, checkpoints and session rows;
   * {@code conflict} when {@code to} exists, {@code not_found} when {@code from} does not.
   */
  default Future<Void> renameBranch(String project, String from, String to) {
    return renameBranch(project, from, to, List.of());
  }

  /** {@link #renameBranch(String, String, String)} with {@code events} queued in its transaction. */
  Future<Void> renameBranch(String project, String from, String to, List<HookEvent> events);

  /** Deletes a branch's head and work-in-progress refs and its checkpoints; {@code not_found} when it has none. */
  default Future<Void> deleteBranch(String project, String branch) {
    return deleteBranch(project, branch, List.of());
  }

  /** {@link #deleteBranch(String, String)} with {@code events} queued in its transaction. */
  Future<Void> deleteBranch(String project, String branch, List<HookEvent> events);

  /** The project's branches with their heads. */
  Future<List<BranchHead>> listBranches(String project);

  // --- snapshots of schema version 1, kept for the start-up upgrade that turns them into refs

  /**
   * Stores the tar.gz at {@code archive} as the next version of the branch (schema version 1's
   * form). Only the tests that build an old store write these now.
   */
  Future<SnapshotMeta> writeSnapshot(String project, String branch, String head, Path archive,
      Long expectedVersion);

  /** The latest version-1 snapshot of every branch that still has one. */
  Future<List<SnapshotMeta>> legacySnapshots();

  /** Writes the archive of that version to {@code target}, chunk by chunk. */
  Future<Void> readSnapshot(SnapshotMeta meta, Path target);

  /** Drops a branch's version-1 snapshots, once the upgrade has moved them. */
  Future<Void> dropLegacy(String project, String branch);

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

  // --- webhooks

  /**
   * Runs {@code listener} (on the thread that completed the transaction) after a transaction
   * queued at least one delivery: the local sender wakes at once instead of at its next poll.
   */
  void onOutbox(Runnable listener);

  /** The hooks and their deliveries. */
  HookStore hooks();

  // --- lifecycle

  /** A cheap round trip, for health checks. */
  Future<Void> ping();

  Future<Void> close();
}
