package io.branchwork.workspace;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One op's implementation: a handler registers its ops by name, the workspace runs them one at a time. */
@FunctionalInterface
interface Op {
  Future<JsonObject> run(Request request);
}
