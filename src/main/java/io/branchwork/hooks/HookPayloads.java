package io.branchwork.hooks;

import io.branchwork.contract.HookEvents;
import io.branchwork.store.Records.HookEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.UUID;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The bodies of webhook events, built where the change happens (the op knows who did what) and
 * stored with it. Bounded whatever the change: at most {@link #MAX_COMMITS} commits, each message
 * cut at {@link #MAX_MESSAGE} characters, so a body stays far below the store's column.
 */
public final class HookPayloads {

  static final int MAX_COMMITS = 20;
  static final int MAX_MESSAGE = 4096;
  /** How many commits a walk looks at before it gives up on finding where {@code before} joins. */
  private static final int MAX_WALK = 1000;

  private HookPayloads() {}

  /** An event of {@code type}: the common fields, then {@code fields}. */
  public static HookEvent event(String type, String project, String user, JsonObject fields) {
    String id = UUID.randomUUID().toString();
    JsonObject body = new JsonObject().put("event", type).put("id", id).put("project", project)
        .put("user", user).put("at", System.currentTimeMillis());
    fields.forEach(e -> body.put(e.getKey(), e.getValue()));
    return new HookEvent(id, type, body.encode());
  }

  /**
   * A branch moved from {@code before} (null: created) to {@code after} (null: deleted), with the
   * commits it gained ({@link #commits}).
   */
  public static JsonObject moved(String branch, ObjectId before, ObjectId after, JsonObject commits) {
    return commits.put("branch", branch).put("before", before == null ? null : before.name())
        .put("after", after == null ? null : after.name());
  }

  /**
   * A {@code push} event: {@code ref} (a branch or a tag) moved from {@code before} (null:
   * created) to {@code after} (null: deleted), gaining {@code commits} ({@link #commits}; empty for
   * a tag). The same body whether the push went through an open branch's workspace or the store.
   */
  public static HookEvent push(String project, String user, String ref, ObjectId before, ObjectId after,
      JsonObject commits) {
    boolean tag = ref.startsWith(Constants.R_TAGS);
    String name = ref.substring(tag ? Constants.R_TAGS.length() : Constants.R_HEADS.length());
    JsonObject fields = commits.copy().put("ref", ref).put(tag ? "tag" : "branch", name)
        .put("before", before == null ? null : before.name()).put("after", after == null ? null : after.name())
        .put("created", before == null).put("deleted", after == null);
    return event(HookEvents.PUSH, project, user, fields);
  }

  /** A {@code branch} event: {@code action} created, deleted or renamed. */
  public static HookEvent branch(String project, String user, String action, String branch, String head, String from) {
    JsonObject f = new JsonObject().put("action", action).put("branch", branch).put("head", head);
    if (from != null) {
      f.put("from", from);
    }
    return event(HookEvents.BRANCH, project, user, f);
  }

  /** A {@code tag} event: {@code action} created or deleted. */
  public static HookEvent tag(String project, String user, String action, String tag, String target) {
    return event(HookEvents.TAG, project, user, new JsonObject().put("action", action).put("tag", tag)
        .put("target", target));
  }

  /**
   * {@code {"commits":[...], "truncated":bool}}: what {@code after} reaches and {@code before}
   * (null: nothing) does not, newest first, at most {@link #MAX_COMMITS}. Blocking.
   */
  public static JsonObject commits(Repository repo, ObjectId before, ObjectId after) throws IOException {
    JsonArray list = new JsonArray();
    boolean truncated = false;
    if (after != null) {
      try (RevWalk walk = new RevWalk(repo)) {
        walk.markStart(walk.parseCommit(after));
        if (before != null) {
          walk.markUninteresting(walk.parseCommit(before));
        }
        int seen = 0;
        for (RevCommit c : walk) {
          if (list.size() == MAX_COMMITS || ++seen > MAX_WALK) {
            truncated = true;
            break;
          }
          list.add(commit(c));
        }
      }
    }
    return new JsonObject().put("commits", list).put("truncated", truncated);
  }

  private static JsonObject commit(RevCommit c) {
    String message = c.getFullMessage();
    if (message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE);
    }
    return new JsonObject().put("id", c.name()).put("message", message)
        .put("author", new JsonObject().put("name", c.getAuthorIdent().getName())
            .put("email", c.getAuthorIdent().getEmailAddress()))
        .put("timestamp", c.getCommitTime() * 1000L);
  }
}
