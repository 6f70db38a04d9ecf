package io.branchwork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code src/main/java} form no cycle, and {@code contract} depends on nothing of
 * the project: a scan of every reference to a project class (imports, static imports and names
 * written out in full), grouped by package, then Tarjan's strongly connected components. A new
 * cycle fails here with the references that make it.
 */
class PackageCyclesTest {

  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern REFERENCE = Pattern.compile("\\bio\\.branchwork(?:\\.[a-z][a-z0-9]*)*\\.[A-Z]\\w*");

  /** package to (package it uses to the references that use it). */
  private static Map<String, Map<String, Set<String>>> graph() throws IOException {
    Map<String, String> classes = new HashMap<>();
    List<Path> files;
    try (Stream<Path> all = Files.walk(SOURCES)) {
      files = all.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path f : files) {
      String cls = SOURCES.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "");
      classes.put(cls, cls.substring(0, cls.lastIndexOf('.')));
    }
    Map<String, Map<String, Set<String>>> uses = new TreeMap<>();
    for (Path f : files) {
      String cls = SOURCES.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "");
      String pkg = classes.get(cls);
      Matcher m = REFERENCE.matcher(Files.readString(f));
      while (m.find()) {
        String target = classes.get(m.group());
        if (target != null && !target.equals(pkg)) {
          uses.computeIfAbsent(pkg, k -> new TreeMap<>()).computeIfAbsent(target, k -> new TreeSet<>())
              .add(f.getFileName() + " uses " + m.group());
        }
      }
    }
    return uses;
  }

  @Test
  @DisplayName("Verifies that no two packages depend on each other, directly or through others")
  void noCycles() throws IOException {
    Map<String, Map<String, Set<String>>> uses = graph();
    List<String> cycles = new ArrayList<>();
    for (Set<String> component : components(uses)) {
      if (component.size() > 1) {
        StringBuilder sb = new StringBuilder("cycle " + component + ":");
        for (String from : component) {
          uses.getOrDefault(from, Map.of()).forEach((to, why) -> {
            if (component.contains(to)) {
              sb.append("\n  ").append(from).append(" -> ").append(to).append(": ").append(why);
            }
          });
        }
        cycles.add(sb.toString());
      }
    }
    assertEquals(List.of(), cycles);
  }

  @Test
  @DisplayName("Verifies that the contract package depends on nothing of the project")
  void contractStandsAlone() throws IOException {
    Map<String, Set<String>> used = graph().getOrDefault("io.branchwork.contract", Map.of());
    assertTrue(used.isEmpty(), () -> "contract uses " + used);
  }

  /** Tarjan's algorithm, iteratively: the strongly connected components of the package graph. */
  private static List<Set<String>> components(Map<String, Map<String, Set<String>>> uses) {
    Set<String> nodes = new TreeSet<>(uses.keySet());
    uses.values().forEach(m -> nodes.addAll(m.keySet()));
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String start : nodes) {
      if (index.containsKey(start)) {
        continue;
      }
      Deque<Object[]> work = new ArrayDeque<>();
      work.push(new Object[] {start, new ArrayList<>(uses.getOrDefault(start, Map.of()).keySet()).iterator()});
      index.put(start, counter[0]);
      low.put(start, counter[0]++);
      stack.push(start);
      onStack.add(start);
      while (!work.isEmpty()) {
        Object[] frame = work.peek();
        String v = (String) frame[0];
        @SuppressWarnings("unchecked")
        java.util.Iterator<String> next = (java.util.Iterator<String>) frame[1];
        if (next.hasNext()) {
          String w = next.next();
          if (!index.containsKey(w)) {
            index.put(w, counter[0]);
            low.put(w, counter[0]++);
            stack.push(w);
            onStack.add(w);
            work.push(new Object[] {w, new ArrayList<>(uses.getOrDefault(w, Map.of()).keySet()).iterator()});
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          String parent = (String) work.peek()[0];
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          Set<String> component = new TreeSet<>();
          String w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          out.add(component);
        }
      }
    }
    return out;
  }
}
