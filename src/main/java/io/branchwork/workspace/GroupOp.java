package io.branchwork.workspace;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Ops of one kind that reached the mailbox one after another, run together in one turn (their
 * disk work one blocking task, not one each); as if run one by one in that order, one answer each.
 */
@FunctionalInterface
interface GroupOp {
  List<Future<JsonObject>> run(List<Request> requests);
}
