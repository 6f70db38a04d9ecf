package io.branchwork.auth;

import io.branchwork.core.RateLimited;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins per user name and per client address in fixed windows; past the limit of
 * either, logins for that name or from that address answer {@code rate_limited} until the window
 * ends, without touching the password hasher. Per node (each node counts what it sees); bounded in
 * memory by dropping expired windows once the table grows.
 */
final class LoginThrottle {

  private static final int PRUNE_AT = 10_000;

  private record Window(long start, int failures) {}

  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
  private final int perUser;
  private final int perAddress;
  private final long windowMs;

  LoginThrottle(int perUser, int perAddress, long windowMs) {
    this.perUser = perUser;
    this.perAddress = perAddress;
    this.windowMs = windowMs;
  }

  /** Throws {@code rate_limited} when the name or the address has failed too often lately. */
  void check(String username, String address, long now) {
    check("u:" + username, perUser, now, "too many failed logins for this user");
    if (address != null) {
      check("a:" + address, perAddress, now, "too many failed logins from this address");
    }
  }

  void failed(String username, String address, long now) {
    count("u:" + username, now);
    if (address != null) {
      count("a:" + address, now);
    }
    if (windows.size() > PRUNE_AT) {
      windows.values().removeIf(w -> now - w.start() >= windowMs);
    }
  }

  /**
   * Counts a registration from {@code address} and refuses past the per-address limit: each one
   * costs a password hash, and a flood of them would keep the hashing pool from serving logins.
   */
  void registration(String address, long now) {
    if (address == null) {
      return;
    }
    check("r:" + address, perAddress, now, "too many registrations from this address");
    count("r:" + address, now);
  }

  /**
   * Counts a sign-in with the identity provider from {@code address} and refuses past the
   * per-address limit: each one makes a request to the provider, which a flood must not turn
   * Branchwork against.
   */
  void providerSignIn(String address, long now) {
    if (address == null) {
      return;
    }
    check("p:" + address, perAddress, now, "too many sign-ins from this address");
    count("p:" + address, now);
  }

  /** A good password clears the name's failures (not the address's: it may be shared by an attacker). */
  void succeeded(String username) {
    windows.remove("u:" + username);
  }

  private void check(String key, int limit, long now, String why) {
    Window w = windows.get(key);
    if (w != null && now - w.start() < windowMs && w.failures() >= limit) {
      long waitMs = w.start() + windowMs - now;
      throw new RateLimited(why + "; try again in " + (waitMs + 999) / 1000 + " s", (waitMs + 999) / 1000);
    }
  }

  private void count(String key, long now) {
    windows.compute(key, (k, w) -> w == null || now - w.start() >= windowMs
        ? new Window(now, 1) : new Window(w.start(), w.failures() + 1));
  }
}
