package io.branchwork.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Http;
import io.branchwork.support.TestNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workbench page over plain HTTP: what it serves, how it may be cached, and what it refuses. */
class WorkbenchRoutesTest {

  @TempDir
  static Path dir;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static List<String> assetsOf(String page) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile("(?:src|href)=\"(/assets/[^\"]+)\"").matcher(page);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  @Test
  @DisplayName("Verifies GET / is the workbench (text/html, titled Branchwork), revalidated on each visit, with a CSP that allows only its own origin")
  void pageIsServed() {
    Http.Response r = node.http.get("/", null).expect(200);
    assertEquals("text/html; charset=utf-8", header(r, "content-type"));
    assertTrue(r.text().contains("<title>Branchwork</title>"), r.text());
    assertEquals("no-cache", header(r, "cache-control"));
    assertEquals("nosniff", header(r, "x-content-type-options"));
    String csp = header(r, "content-security-policy");
    assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
        && csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals(List.of("js", "css"), assetsOf(r.text()).stream().map(a -> a.substring(a.lastIndexOf('.') + 1))
        .sorted(java.util.Comparator.reverseOrder()).toList());

    Http.Response again = node.http.send("GET", "/", Map.of("If-None-Match", header(r, "etag"))).expect(304);
    assertEquals(0, again.body().length);
    Http.Response head = node.http.send("HEAD", "/", Map.of()).expect(200);
    assertEquals(String.valueOf(r.body().length), header(head, "content-length"));
  }

  @Test
  @DisplayName("Verifies the assets the page names are served with a year's immutable caching, gzipped when asked, the same bytes either way")
  void assetsAreCachedForGood() throws IOException {
    for (String asset : assetsOf(node.http.get("/", null).expect(200).text())) {
      assertTrue(asset.matches("/assets/(app|style)-[A-Z0-9]{8}\\.(js|css)"), asset);
      Http.Response plain = node.http.get(asset, null).expect(200);
      assertEquals("public, max-age=31536000, immutable", header(plain, "cache-control"));
      assertTrue(header(plain, "content-type").startsWith(asset.endsWith(".js") ? "text/javascript" : "text/css"));
      assertTrue(plain.raw().headers().firstValue("content-encoding").isEmpty());
      Http.Response gz = node.http.send("GET", asset, Map.of("Accept-Encoding", "gzip")).expect(200);
      assertEquals("gzip", header(gz, "content-encoding"));
      assertTrue(gz.body().length < plain.body().length / 2, asset + ": " + gz.body().length);
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
        assertArrayEquals(plain.body(), in.readAllBytes());
      }
    }
  }

  @Test
  @DisplayName("Verifies what is not an asset of the page is the contract's not_found: unknown names, the manifest, paths that climb out")
  void nothingElseIsServed() {
    for (String path : List.of("/assets/app-AAAAAAAA.js", "/assets/", "/manifest.json", "/index.html",
        "/assets/..%2Fmanifest.json", "/assets/%2e%2e/%2e%2e/pom.xml", "/webroot/index.html", "/assets/a%00.js")) {
      Http.Response r = node.http.get(path, null);
      assertTrue(r.status() == 404 || r.status() == 400, path + " answered " + r.status());
      assertTrue(r.code().equals("not_found") || r.code().equals("bad_request"), path + ": " + r.text());
    }
    assertEquals(405, node.http.postJson("/", null, new io.vertx.core.json.JsonObject()).status());
  }

  private static String header(Http.Response r, String name) {
    return r.raw().headers().firstValue(name).orElse(null);
  }
}
