package io.branchwork.render;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's rendered meshes, by content address, in {@code data.dir/renders}: {@code <key>.<format>}
 * and {@code <key>.json} (format, size, the projects allowed to download it, openscad's log,
 * diagnostics and statistics). Bounded by {@code render.cacheBytes}, least recently used out first
 * (the newest entry always stays, so that what was just rendered can be fetched); the index is in
 * memory and rebuilt from the directory at start, so the cache outlives workspaces and restarts.
 * Thread-safe; every method that touches the disk is blocking.
 */
final class RenderCache {

  private static final Logger LOG = LoggerFactory.getLogger(RenderCache.class);
  static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  /** Most projects one entry remembers as allowed; past it the oldest is forgotten (it renders again). */
  private static final int MAX_PROJECTS = 1000;

  private record Entry(String format, long bytes, Set<String> projects) {}

  private final Path dir;
  private final long maxBytes;
  /** Access order: the eldest is the least recently used. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long total;

  RenderCache(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** Reads the index off the directory (oldest first), dropping what is incomplete or damaged. */
  synchronized void load() throws IOException {
    Files.createDirectories(dir);
    List<Path> metas = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(".tmp")) {
          Files.deleteIfExists(p);
        } else if (name.endsWith(".json")) {
          metas.add(p);
        }
      }
    }
    metas.sort(Comparator.comparing(RenderCache::modified));
    for (Path meta : metas) {
      String key = meta.getFileName().toString().replace(".json", "");
      try {
        JsonObject m = new JsonObject(Files.readString(meta, StandardCharsets.UTF_8));
        String format = m.getString("format");
        Path mesh = dir.resolve(key + "." + format);
        if (!KEY.matcher(key).matches() || !RenderJob.FORMATS.contains(format)
            || !Files.isRegularFile(mesh, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException("incomplete entry");
        }
        Set<String> projects = new HashSet<>();
        m.getJsonArray("projects", new JsonArray()).forEach(x -> projects.add((String) x));
        long bytes = Files.size(mesh) + Files.size(meta);
        entries.put(key, new Entry(format, bytes, projects));
        total += bytes;
      } catch (IOException | RuntimeException e) {
        LOG.warn("render cache: dropping {}: {}", meta.getFileName(), e.toString());
        Files.deleteIfExists(meta);
      }
    }
    evict(null);
    LOG.info("render cache: {} meshes, {} bytes in {}", entries.size(), total, dir);
  }

  /** The render stored under {@code key}, now allowed to {@code project} too; null when absent. */
  Rendered get(String key, String project) throws IOException {
    Entry e;
    synchronized (this) {
      e = entries.get(key);
    }
    if (e == null) {
      return null;
    }
    JsonObject m;
    try {
      m = new JsonObject(Files.readString(dir.resolve(key + ".json"), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException gone) {
      return null; // evicted meanwhile: render again
    }
    synchronized (this) {
      if (e.projects().size() < MAX_PROJECTS && e.projects().add(project)) {
        writeMeta(key, m.put("projects", new JsonArray(List.copyOf(e.projects()))));
      }
    }
    return fromMeta(key, m);
  }

  /** Whether {@code project} may download the mesh {@code key}.{@code format}; its file when so. */
  synchronized Path file(String key, String format, String project) {
    Entry e = entries.get(key);
    return e != null && e.format().equals(format) && e.projects().contains(project)
        ? dir.resolve(key + "." + format) : null;
  }

  /** Takes the mesh at {@code mesh} (moved in) as the render {@code r} of {@code project}. */
  synchronized void put(Rendered r, Path mesh, String project) throws IOException {
    Path target = dir.resolve(r.key() + "." + r.format());
    Files.move(mesh, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Set<String> projects = new HashSet<>(Set.of(project));
    JsonArray diags = new JsonArray();
    r.diagnostics().forEach(d -> diags.add(new JsonObject().put("line", d.line()).put("severity", d.severity())
        .put("message", d.message())));
    JsonObject stats = new JsonObject();
    r.stats().forEach(stats::put);
    long metaBytes = writeMeta(r.key(), new JsonObject().put("format", r.format()).put("bytes", r.bytes())
        .put("projects", new JsonArray(List.copyOf(projects))).put("stats", stats)
        .put("log", new JsonArray(r.log())).put("diagnostics", diags));
    Entry old = entries.put(r.key(), new Entry(r.format(), r.bytes() + metaBytes, projects));
    total += r.bytes() + metaBytes - (old == null ? 0 : old.bytes());
    evict(r.key());
  }

  synchronized long bytes() {
    return total;
  }

  private void evict(String keep) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (total > maxBytes && it.hasNext()) {
      Map.Entry<String, Entry> e = it.next();
      if (e.getKey().equals(keep)) {
        continue;
      }
      it.remove();
      total -= e.getValue().bytes();
      try {
        Files.deleteIfExists(dir.resolve(e.getKey() + ".json"));
        Files.deleteIfExists(dir.resolve(e.getKey() + "." + e.getValue().format()));
      } catch (IOException ex) {
        LOG.warn("render cache: could not delete {}: {}", e.getKey(), ex.toString());
      }
    }
  }

  private long writeMeta(String key, JsonObject meta) {
    byte[] b = meta.encode().getBytes(StandardCharsets.UTF_8);
    Path tmp = dir.resolve(key + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, b);
      Files.move(tmp, dir.resolve(key + ".json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("render cache: could not write {}: {}", key, e.toString());
    }
    return b.length;
  }

  private static Rendered fromMeta(String key, JsonObject m) {
    Map<String, Long> stats = new LinkedHashMap<>();
    m.getJsonObject("stats", new JsonObject()).forEach(e -> stats.put(e.getKey(), ((Number) e.getValue()).longValue()));
    List<String> log = new ArrayList<>();
    m.getJsonArray("log", new JsonArray()).forEach(l -> log.add((String) l));
    List<Rendered.Diagnostic> diags = new ArrayList<>();
    m.getJsonArray("diagnostics", new JsonArray()).forEach(d -> {
      JsonObject o = (JsonObject) d;
      diags.add(new Rendered.Diagnostic(o.getInteger("line", 0), o.getString("severity"), o.getString("message")));
    });
    return new Rendered(key, m.getString("format"), m.getLong("bytes", 0L), true, 0, stats, log, diags);
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
