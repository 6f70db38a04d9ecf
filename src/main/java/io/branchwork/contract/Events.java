package io.branchwork.contract;

/**
 * The pushes a workspace publishes at {@code events.workspace.<project>.<branch>} as
 * {@code {"event", ...fields}}, their fields, and the reasons a {@code closing} gives.
 */
public final class Events {

  public static final String CHANGED = "changed";
  public static final String SAVED = "saved";
  public static final String CLOSING = "closing";
  public static final String JOINED = "joined";
  public static final String LEFT = "left";
  public static final String COMMITTED = "committed";
  /** A model was rendered: {@code {"entry","key","format","by"}}; the mesh is at its render url. */
  public static final String RENDERED = "rendered";
  public static final String RENAMED = "renamed";
  /**
   * To the sessions that joined {@code path}: {@code {"path","version","updates"}}, {@code version}
   * the one after the updates; a change made by another op is one update turning the text into
   * the file's (and carries {@code lineSeparator}), and {@code deleted: true} says the file is gone or no longer a live document.
   */
  public static final String DOC_UPDATE = "doc.update";
  /** To the sessions that joined {@code path}: {@code {"path","user","clientID","selection"}}; selection nil on leave. */
  public static final String DOC_PRESENCE = "doc.presence";
  public static final String LOCKED = "locked";
  public static final String UNLOCKED = "unlocked";
  /**
   * Not a workspace event: sent on {@code /ws} to every connection of a user whose membership
   * changed (shared with them, role changed, project created), with the {@code project}; no seq.
   */
  public static final String PROJECTS = "projects";

  /** Field: the event's name. */
  public static final String FIELD_EVENT = "event";
  /** Field of {@code closing}: why. */
  public static final String FIELD_REASON = "reason";
  /** Field of {@code renamed} and of a rename's {@code closing}: the new branch name. */
  public static final String FIELD_BRANCH = "branch";
  /** Field of {@code projects}: the project whose membership changed. */
  public static final String FIELD_PROJECT = "project";
  /** Internal field: the holder whose request caused the push, so a gateway can skip its sender. */
  public static final String FIELD_ORIGIN = "origin";
  /** Of every workspace event but {@code closing}: its number, one more than the event before it. */
  public static final String FIELD_SEQ = "seq";
  /** The {@code open} field and answer of resumable sessions (see PROTOCOL in the README). */
  public static final String FIELD_SINCE = "since";
  public static final String FIELD_EVENTS = "events";
  public static final String FIELD_RESYNC = "resync";

  /** {@code closing} reasons. A rename's carries the new {@code branch}: reopen that. */
  public static final String REASON_RENAMED = "renamed";
  public static final String REASON_IDLE = "idle";
  public static final String REASON_KILLED = "killed";
  public static final String REASON_SHUTDOWN = "shutdown";
  public static final String REASON_HANDOVER = "handover";
  public static final String REASON_NODE_LOST = "node lost";
  public static final String REASON_CLAIM_LOST = "claim lost";
  public static final String REASON_ACCESS_REVOKED = "access revoked";

  private Events() {}
}
