package io.branchwork.allocator;

/** How a workspace is closed. */
enum Close {
  /** Saves (when configured) and tells its sessions with a {@code closing} event. */
  NOTIFY,
  /** Saves but says nothing: another node takes it over with its references (hand-over). */
  QUIET,
  /** Neither saves nor tells: this node lost its claim, and the new owner's snapshot must win. */
  DISCARD,
  /** Neither saves nor tells, and lets the claim go: the branch was renamed, saved and announced. */
  RETIRE
}
