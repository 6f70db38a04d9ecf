package io.branchwork.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Finds out, before a node touches anything, whether the ports it is to listen on are free: a
 * node that cannot serve must not first wipe a data directory or migrate a database. The real
 * bind comes later and may still lose a race; its failure names the port too.
 */
public final class PortCheck {

  private PortCheck() {}

  /** Fails with a sentence naming {@code what}, host and port when something listens there; port 0 always passes. */
  public static void requireFree(String what, String host, int port, String setting) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IllegalStateException(what + " port " + port + " on " + host + " is in use (another Branchwork,"
          + " or another program, listens there); stop it or choose another port with " + setting);
    }
  }
}
