package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOps;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Store;
import io.branchwork.workspace.files.WorkingCopy;
import io.branchwork.workspace.repo.Persister;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code save} op, now an explicit checkpoint: every change is durable already (each changing
 * op is answered only once stored), so it makes sure of that and records the branch's head and
 * work in progress under the next version number.
 */
final class CheckpointOps {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointOps.class);

  private final WorkspaceKey key;
  private final Persister persister;
  private final Store store;
  private final WorkspaceEvents events;
  private final WorkingCopy files;

  CheckpointOps(WorkspaceKey key, Persister persister, Store store, WorkspaceEvents events, WorkingCopy files) {
    this.key = key;
    this.persister = persister;
    this.store = store;
    this.events = events;
    this.files = files;
  }

  void register(Map<String, Op> ops) {
    ops.put(WorkspaceOps.SAVE, this::save);
  }

  private Future<JsonObject> save(Request r) {
    long t0 = System.nanoTime();
    // Every change before it is stored already (SETTLED_FIRST in the op table).
    return store.checkpoint(key.project(), key.branch(), persister.durableHead(), persister.durableWip())
        .map(version -> {
          LOG.info("workspace {} checkpoint {} at {} in {} ms", key, version, persister.durableHead(),
              (System.nanoTime() - t0) / 1_000_000);
          events.saved(version, r);
          return new JsonObject().put("version", version).put("bytes", files.bytesUsed());
        });
  }
}
