package io.branchwork.workspace;

import io.vertx.core.json.JsonObject;

/**
 * One op sent to a workspace: its name, its arguments, the user it is done for, and the holder
 * (client session) it came from, so pushes can skip their origin.
 */
public record Request(String op, JsonObject args, String user, String holder) {}
