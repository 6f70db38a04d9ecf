package io.branchwork.workspace;

import io.branchwork.contract.WorkspaceOp;
import io.vertx.core.json.JsonObject;

/**
 * One op sent to a workspace: what it is (its line of the op table), its arguments, the user it
 * is done for, and the holder (client session) it came from, so pushes can skip their origin.
 */
public record Request(WorkspaceOp spec, JsonObject args, String user, String holder) {

  /** The op's wire name. */
  public String op() {
    return spec.wire();
  }
}
