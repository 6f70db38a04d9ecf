package io.branchwork.core;

import io.vertx.core.json.JsonObject;

/** Typed access to the arguments of a request, failing with {@code bad_request}. */
public final class Args {

  private Args() {}

  /**
   * The value as stored, not through {@code getValue}, which turns a {@code byte[]} into base64
   * text: a copy of every binary it is asked about, and binary passing for a string.
   */
  private static Object raw(JsonObject body, String name) {
    return body.getMap().get(name);
  }

  public static String string(JsonObject body, String name) {
    Object v = raw(body, name);
    if (!(v instanceof String s)) {
      throw BranchworkException.badRequest("'" + name + "' must be a string");
    }
    return s;
  }

  public static String optString(JsonObject body, String name) {
    Object v = raw(body, name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw BranchworkException.badRequest("'" + name + "' must be a string");
    }
    return s;
  }

  public static boolean optBoolean(JsonObject body, String name, boolean dflt) {
    Object v = raw(body, name);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw BranchworkException.badRequest("'" + name + "' must be a boolean");
    }
    return b;
  }

  public static long optLong(JsonObject body, String name, long dflt, long min, long max) {
    Object v = raw(body, name);
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
    if (raw(body, name) == null) {
      throw BranchworkException.badRequest("'" + name + "' is required");
    }
    try {
      return body.getBinary(name);
    } catch (ClassCastException | IllegalArgumentException e) {
      throw BranchworkException.badRequest("'" + name + "' must be binary");
    }
  }
}
