package io.branchwork.workspace;

import io.branchwork.core.Args;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.workspace.git.ThreeWay;
import io.branchwork.workspace.git.ThreeWay.Resolution;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The arguments of {@code merge}, {@code revert} and {@code cherry-pick}, checked, and their conflicts as the contract shapes them. */
final class MergeArgs {

  enum Mode { AUTO, FF_ONLY, NO_FF, SQUASH }

  private static final int MAX_MESSAGE = 64 * 1024;
  private static final int MAX_RESOLUTIONS = 10_000;

  private MergeArgs() {}

  static JsonArray conflicts(List<ThreeWay.Conflict> conflicts) {
    JsonArray out = new JsonArray();
    for (ThreeWay.Conflict c : conflicts) {
      JsonObject o = new JsonObject().put("path", c.path()).put("kind", c.kind().wire);
      if (c.base() != null) {
        o.put("base", c.base());
      }
      if (c.ours() != null) {
        o.put("ours", c.ours());
      }
      if (c.theirs() != null) {
        o.put("theirs", c.theirs());
      }
      if (c.text() != null) {
        o.put("text", c.text());
      }
      out.add(o);
    }
    return out;
  }

  static Mode mode(String s) {
    if (s == null) {
      return Mode.AUTO;
    }
    return switch (s) {
      case "auto" -> Mode.AUTO;
      case "ff-only" -> Mode.FF_ONLY;
      case "no-ff" -> Mode.NO_FF;
      case "squash" -> Mode.SQUASH;
      default -> throw BranchworkException.badRequest("'mode' must be auto, ff-only, no-ff or squash");
    };
  }

  static String message(Request r) {
    String message = Args.optString(r.args(), "message");
    if (message != null && (message.isBlank() || message.length() > MAX_MESSAGE)) {
      throw BranchworkException.badRequest("'message' must have 1 to " + MAX_MESSAGE + " characters");
    }
    return message;
  }

  /** {@code {path: {"content": bin} | {"take": "ours"|"theirs"} | {"delete": true}}}, each path checked. */
  static Map<String, Resolution> resolutions(JsonObject args, int maxFileBytes) {
    Object raw = args.getValue("resolutions");
    if (raw == null) {
      return Map.of();
    }
    if (!(raw instanceof JsonObject all) || all.size() > MAX_RESOLUTIONS) {
      throw BranchworkException.badRequest("'resolutions' must be an object of at most " + MAX_RESOLUTIONS
          + " paths");
    }
    Map<String, Resolution> out = new LinkedHashMap<>();
    for (String path : all.fieldNames()) {
      WorkspacePaths.require(path);
      if (!(all.getValue(path) instanceof JsonObject how) || how.size() != 1) {
        throw BranchworkException.badRequest("the resolution of " + path
            + " must be one of {\"content\"}, {\"take\"} or {\"delete\": true}");
      }
      if (how.containsKey("content")) {
        byte[] bytes = Args.binary(how, "content");
        if (bytes.length > maxFileBytes) {
          throw BranchworkException.tooLarge("the resolution of " + path + " is larger than "
              + maxFileBytes + " bytes (limits.maxFileBytes)");
        }
        out.put(path, new Resolution.Content(bytes));
      } else if (how.containsKey("take")) {
        String side = String.valueOf(how.getValue("take")).toLowerCase(Locale.ROOT);
        if (!side.equals("ours") && !side.equals("theirs")) {
          throw BranchworkException.badRequest("'take' must be ours or theirs");
        }
        out.put(path, new Resolution.Take(side.equals("ours")));
      } else if (Boolean.TRUE.equals(how.getValue("delete"))) {
        out.put(path, new Resolution.Delete());
      } else {
        throw BranchworkException.badRequest("the resolution of " + path
            + " must be one of {\"content\"}, {\"take\"} or {\"delete\": true}");
      }
    }
    return out;
  }
}
