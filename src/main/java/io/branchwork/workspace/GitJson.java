package io.branchwork.workspace;

import io.branchwork.workspace.git.GitResults.BranchList;
import io.branchwork.workspace.git.GitResults.History;
import io.branchwork.workspace.git.GitResults.Patch;
import io.branchwork.workspace.git.GitResults.WorkingTreeStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The contract's JSON for what the git ops answer. */
final class GitJson {

  private GitJson() {}

  /** {@code {"clean","changes":[{"path","change"}]}}. */
  static JsonObject status(WorkingTreeStatus st) {
    JsonArray list = new JsonArray();
    st.changes().forEach(c -> list.add(new JsonObject().put("path", c.path()).put("change", c.change().wire())));
    return new JsonObject().put("clean", st.clean()).put("changes", list);
  }

  /** {@code {"patch","truncated"}}. */
  static JsonObject patch(Patch p) {
    return new JsonObject().put("patch", p.text()).put("truncated", p.truncated());
  }

  /** {@code {"commits":[{"commit","parents","message","author","time"}],"truncated"}}, time in epoch seconds. */
  static JsonObject history(History h) {
    JsonArray commits = new JsonArray();
    h.commits().forEach(c -> commits.add(new JsonObject().put("commit", c.id()).put("parents", new JsonArray(c.parents()))
        .put("message", c.message()).put("author", c.author()).put("time", c.time())));
    return new JsonObject().put("commits", commits).put("truncated", h.truncated());
  }

  /** {@code {"current","branches":[{"name","head"}]}}. */
  static JsonObject branches(BranchList b) {
    JsonArray list = new JsonArray();
    b.branches().forEach(r -> list.add(new JsonObject().put("name", r.name()).put("head", r.head())));
    return new JsonObject().put("current", b.current()).put("branches", list);
  }
}
