package io.branchwork.hooks;

import io.branchwork.core.BranchworkException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * A webhook URL is untrusted: it must not make Branchwork reach what only Branchwork can reach
 * (server-side request forgery). {@link #parse} checks the URL's form when the hook is created;
 * {@link #require} checks every address a name resolves to, at every delivery, and the sender
 * then connects to the address it checked (a name that later points inside is caught, and a
 * second lookup cannot swap the address after the check).
 */
public final class TargetGuard {

  static final int MAX_URL = 2048;

  /** A checked URL's parts. */
  public record Target(URI uri, boolean https, String host, int port, String pathAndQuery) {}

  private TargetGuard() {}

  /** Parses a hook URL: {@code http}/{@code https}, a host, no credentials, no fragment. */
  public static Target parse(String url) {
    if (url == null || url.isEmpty() || url.length() > MAX_URL) {
      throw BranchworkException.badRequest("'url' must have 1 to " + MAX_URL + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw BranchworkException.badRequest("'url' is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw BranchworkException.badRequest("'url' must be http or https");
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw BranchworkException.badRequest("'url' must name a host, without user name or password");
    }
    if (uri.getRawFragment() != null) {
      throw BranchworkException.badRequest("'url' must not have a fragment");
    }
    boolean https = scheme.equals("https");
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    return new Target(uri, https, host, port, path);
  }

  /**
   * Resolves {@code host} and answers the address to connect to; {@code forbidden} when any of
   * its addresses is internal (unless {@code allowPrivate}), {@code bad_request} when it does not
   * resolve. Blocking (the system resolver).
   */
  public static InetAddress require(String host, boolean allowPrivate) {
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw BranchworkException.badRequest("the hook's host " + host + " does not resolve");
    }
    if (!allowPrivate) {
      for (InetAddress a : all) {
        if (internal(a)) {
          throw BranchworkException.forbidden("the hook's host " + host + " resolves to " + a.getHostAddress()
              + ", an internal address (hooks.allowPrivateTargets is off)");
        }
      }
    }
    return all[0];
  }

  /**
   * Loopback, private (RFC 1918), link-local (with the 169.254.169.254 metadata service),
   * unspecified, multicast, CGNAT (100.64/10, with 100.100.100.200), benchmark, reserved and
   * broadcast IPv4; loopback, unspecified, link-local, site-local, unique-local (fc00::/7, with
   * fd00:ec2::254), multicast IPv6, and IPv6 forms that carry an IPv4 address (mapped,
   * compatible, NAT64, 6to4) by that address.
   */
  static boolean internal(InetAddress a) {
    if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return internalV4(b);
    }
    if (a instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) {
        return true; // unique local fc00::/7
      }
      if (allZero(b, 0, 10) && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || allZero(b, 10, 12))) {
        return internalV4(tail(b, 12)); // ::ffff:a.b.c.d and ::a.b.c.d
      }
      if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
        return internalV4(tail(b, 12)); // NAT64 64:ff9b::/96
      }
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
        return internalV4(new byte[] {b[2], b[3], b[4], b[5]}); // 6to4 2002::/16
      }
      return false;
    }
    return true;
  }

  private static boolean internalV4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    return a0 == 0 || a0 == 10 || a0 == 127 || a0 >= 224 // this network, private, loopback, multicast and reserved
        || a0 == 169 && a1 == 254 // link-local and the metadata service
        || a0 == 172 && (a1 & 0xf0) == 16
        || a0 == 192 && a1 == 168
        || a0 == 100 && (a1 & 0xc0) == 64 // CGNAT, where some clouds put their metadata service
        || a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0 // IETF protocol assignments
        || a0 == 198 && (a1 & 0xfe) == 18 // benchmarking
        || a0 == 168 && a1 == 63 && (b[2] & 0xff) == 129 && (b[3] & 0xff) == 16; // Azure's host endpoint
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] tail(byte[] b, int from) {
    byte[] out = new byte[b.length - from];
    System.arraycopy(b, from, out, 0, out.length);
    return out;
  }
}
