package io.branchwork.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The workbench page's files, read once from the jar ({@code webroot/}, written by the build in
 * {@code src/main/web}) and kept in memory with their gzip form: a handful of files, about a
 * megabyte, so serving them is a lookup and no request touches the disk or the classpath.
 *
 * <p>{@code webroot/manifest.json} names them: {@code {"index":"index.html","assets":[...]}}; an
 * asset's name carries the hash of its content, so it may be cached for good.
 */
public final class Workbench {

  /** One file as it is served. */
  public record Asset(String path, String contentType, Buffer raw, Buffer gzip, String etag) {}

  private static final String ROOT = "webroot/";

  private final Asset index;
  private final Map<String, Asset> assets;

  private Workbench(Asset index, Map<String, Asset> assets) {
    this.index = index;
    this.assets = assets;
  }

  /** The page itself ({@code index.html}): it names the current assets, so it is never cached. */
  public Asset index() {
    return index;
  }

  /** An asset by its path under the root ({@code assets/main-HASH.js}), or null. */
  public Asset asset(String path) {
    return assets.get(path);
  }

  /** Reads the files from the classpath: blocking, once per node. */
  public static Workbench load() {
    ClassLoader loader = Workbench.class.getClassLoader();
    JsonObject manifest = new JsonObject(Buffer.buffer(read(loader, "manifest.json")));
    Asset index = asset(loader, manifest.getString("index"));
    Map<String, Asset> assets = new LinkedHashMap<>();
    JsonArray names = manifest.getJsonArray("assets");
    for (int i = 0; i < names.size(); i++) {
      Asset a = asset(loader, names.getString(i));
      assets.put(a.path(), a);
    }
    return new Workbench(index, Map.copyOf(assets));
  }

  private static Asset asset(ClassLoader loader, String path) {
    byte[] raw = read(loader, path);
    // The name's hash is the content's (the build puts it there); the page's own ETag is its size
    // and hash code, enough for a revalidation of a file that changes only with the jar.
    String etag = "\"" + Integer.toHexString(Arrays.hashCode(raw)) + "-" + raw.length + "\"";
    return new Asset(path, contentType(path), Buffer.buffer(raw), Buffer.buffer(gzip(raw)), etag);
  }

  private static byte[] read(ClassLoader loader, String path) {
    try (InputStream in = loader.getResourceAsStream(ROOT + path)) {
      if (in == null) {
        throw new IllegalStateException("the workbench file " + ROOT + path + " is not in the jar: build it with"
            + " 'npm run build' in src/main/web");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 3 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static String contentType(String path) {
    String suffix = path.substring(path.lastIndexOf('.') + 1);
    return switch (suffix) {
      case "html" -> "text/html; charset=utf-8";
      case "js" -> "text/javascript; charset=utf-8";
      case "css" -> "text/css; charset=utf-8";
      case "svg" -> "image/svg+xml";
      case "png" -> "image/png";
      default -> "application/octet-stream";
    };
  }

  /** For log lines: how much the page weighs. */
  public String describe() {
    long raw = index.raw().length();
    long gz = index.gzip().length();
    for (Asset a : assets.values()) {
      raw += a.raw().length();
      gz += a.gzip().length();
    }
    return assets.size() + 1 + " files, " + raw + " bytes (" + gz + " gzipped)";
  }
}
