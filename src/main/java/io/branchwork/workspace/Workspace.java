package io.branchwork.workspace;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.SnapshotMeta;
import io.vertx.core.Future;
import java.nio.file.Path;

/** What an op handler may ask of the workspace it serves, so handlers need not know the verticle. */
interface Workspace {

  WorkspaceKey key();

  Path workTree();

  /** Something changed that the next save must keep. */
  void markDirty();

  /** HEAD moved to {@code commit}. */
  void committed(String commit);

  /** Saves the working copy as the next version of {@code target}'s branch. */
  Future<SnapshotMeta> saveAs(WorkspaceKey target);

  /** The branch now lives at {@code target}: refuse every op and never save here again. */
  void retire(WorkspaceKey target);
}
