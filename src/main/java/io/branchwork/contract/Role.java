package io.branchwork.contract;

import java.util.Locale;

/** A user's role on a project; each role may do everything the ones below it may. */
public enum Role {
  READER, WRITER, OWNER;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean allows(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** The role for a wire name, or {@code null}. */
  public static Role fromWire(String s) {
    for (Role r : values()) {
      if (r.wire().equals(s)) {
        return r;
      }
    }
    return null;
  }
}
