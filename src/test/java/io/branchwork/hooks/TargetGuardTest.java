package io.branchwork.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TargetGuardTest {

  @Test
  @DisplayName("Verifies that every internal IPv4 and IPv6 range (and IPv6 forms carrying an internal IPv4) is internal, and public addresses are not")
  void ranges() throws Exception {
    for (String a : new String[] {"127.0.0.1", "127.8.9.1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "100.100.100.200", "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255",
        "192.0.0.8", "198.18.0.1", "168.63.129.16", "::", "::1", "fe80::1", "fc00::1", "fd00:ec2::254",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "ff02::1",
        "fec0::1"}) {
      assertTrue(TargetGuard.internal(InetAddress.getByName(a)), a);
    }
    for (String a : new String[] {"93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "169.255.0.1",
        "2606:4700::1111", "2002:0808:0808::", "64:ff9b::808:808"}) {
      assertFalse(TargetGuard.internal(InetAddress.getByName(a)), a);
    }
  }

  @Test
  @DisplayName("Verifies that a URL's default ports, IPv6 host brackets and query survive parsing")
  void parse() {
    TargetGuard.Target t = TargetGuard.parse("https://[2606:4700::1111]/a/b?c=d");
    assertEquals("2606:4700::1111", t.host());
    assertEquals(443, t.port());
    assertEquals("/a/b?c=d", t.pathAndQuery());
    assertEquals(80, TargetGuard.parse("http://example.com").port());
    assertEquals("/", TargetGuard.parse("http://example.com").pathAndQuery());
  }
}
