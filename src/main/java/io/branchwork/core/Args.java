package io.branchwork.core;

import io.vertx.core.json.JsonObject;

/** Typed access to the arguments of a request, failing with {@code bad_request}. */
public final class Args {

  private Args() {}

  public static String string(JsonObject body, String name) {
    Object v = body.getValue(name);
    if (!(v instanceof String s)) {
      throw BranchworkException.badRequest("'" + name + "' must be a string");
    }
    return s;
  }

  public static String optString(JsonObject body, String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw BranchworkException.badRequest("'" + name + "' must be a string");
    }
    return s;
  }

  public static boolean optBoolean(JsonObject body, String name, boolean dflt) {
    Object v = body.getValue(name);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw BranchworkException.badRequest("'" + name + "' must be a boolean");
    }
    return b;
  }

  public static long optLong(JsonObject body, String name, long dflt, long min, long max) {
    Object v = body.getValue(name);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw BranchworkException.badRequest("'" + name + "' must be an integer");
    }
    long l = n.longValue();
    if (l < min || l > max) {
      throw BranchworkException.badRequest("'" + name + "' must be between " + min + " and " + max);
    }
    return l;
  }

  /** Binary content: {@code byte[]} in memory, base64 text once it crossed a JSON encoding. */
  public static byte[] binary(JsonObject body, String name) {
    if (body.getValue(name) == null) {
      throw BranchworkException.badRequest("'" + name + "' is required");
    }
    try {
      return body.getBinary(name);
    } catch (ClassCastException | IllegalArgumentException e) {
      throw BranchworkException.badRequest("'" + name + "' must be binary");
    }
  }
}
