package io.branchwork.workspace;

import io.branchwork.core.WorkspaceKey;
import io.vertx.core.Future;
import io.branchwork.store.Records.HookEvent;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/** What an op handler may ask of the workspace it serves, so handlers need not know the verticle. */
interface Workspace {

  WorkspaceKey key();

  Path workTree();

  /** The working copy's repository. */
  Repository repo();

  /** The commit HEAD is at, as the workspace's ops last left it (null: none yet). */
  String head();

  /** HEAD moved to {@code commit}. */
  void committed(String commit);

  /**
   * Makes {@code commit} (with what it reaches) durable as ref {@code name}, by compare-and-set
   * from {@code expected} (null: the ref must not exist yet), with {@code events} for the
   * project's webhooks in the same transaction.
   */
  Future<Void> writeRef(String name, String expected, ObjectId commit, List<HookEvent> events);

  /** The change an op just made causes {@code event}: stored with the round that stores the change. */
  void announce(HookEvent event);

  /** The branch now lives at {@code target}: refuse every op and never save here again. */
  void retire(WorkspaceKey target);
}
