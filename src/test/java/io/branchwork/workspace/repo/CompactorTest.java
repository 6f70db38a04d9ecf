package io.branchwork.workspace.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.branchwork.store.Records.PackInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which packs a compaction merges: geometrically by objects, so that no pack is rewritten at every compaction. */
class CompactorTest {

  /** A pack of {@code objects} objects of 100 bytes each. */
  private static PackInfo pack(String id, int objects) {
    return new PackInfo(id, objects * 100L, objects);
  }

  private static List<String> ids(List<PackInfo> packs) {
    return packs.stream().map(PackInfo::id).sorted().toList();
  }

  @Test
  @DisplayName("Verifies the small packs are merged and a pack of twice as many objects as all smaller ones together is kept")
  void keepsTheProgression() {
    List<PackInfo> packs = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      packs.add(pack("r" + i, 1_000));
    }
    packs.add(pack("big", 100_000));
    assertEquals(ids(packs.subList(0, 15)), ids(Compactor.toMerge(packs)));
    packs.add(pack("bigger", 1_000_000));
    assertEquals(ids(packs.subList(0, 15)), ids(Compactor.toMerge(packs)));
  }

  @Test
  @DisplayName("Verifies a pack of fewer objects than twice the rest is merged too, and a valid progression merges nothing")
  void rollsUp() {
    List<PackInfo> packs = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      packs.add(pack("r" + i, 1_000));
    }
    packs.add(pack("m", 20_000)); // less than twice the 15,000 below it
    packs.add(pack("big", 1_000_000));
    List<String> expected = new ArrayList<>(ids(packs.subList(0, 16)));
    assertEquals(expected, ids(Compactor.toMerge(packs)));
    assertEquals(List.of(), ids(Compactor.toMerge(List.of(pack("a", 10), pack("b", 25), pack("c", 80)))));
  }

  @Test
  @DisplayName("Verifies that rounds of equal size, compacted whenever there are 16 packs, rewrite each byte O(log n) times, not at every compaction")
  void amortized() {
    List<PackInfo> packs = new ArrayList<>();
    long rewritten = 0;
    long written = 0;
    int next = 0;
    for (int round = 0; round < 4_000; round++) {
      packs.add(pack("p" + next++, 1_000));
      written += 1_000 * 100L;
      if (packs.size() >= Compactor.THRESHOLD) {
        List<PackInfo> merge = Compactor.toMerge(packs);
        if (merge.size() >= 2) {
          long bytes = merge.stream().mapToLong(PackInfo::bytes).sum();
          rewritten += bytes;
          packs.removeAll(merge);
          packs.add(new PackInfo("p" + next++, bytes, merge.stream().mapToInt(PackInfo::objects).sum()));
        }
      }
    }
    // 4,000 rounds: each byte rewritten about 6 times; merging every pack but the largest (the
    // policy before) rewrote each byte about 72 times in the same simulation.
    assertEquals(true, rewritten < 12 * written, "rewritten " + rewritten + " for " + written + " written");
    assertEquals(true, packs.size() < Compactor.THRESHOLD + 8, packs.size() + " packs");
  }

  @Test
  @DisplayName("Verifies that merged packs much smaller in bytes than their parts (deltas found) still keep the progression")
  void deltasShrinkMergedPacks() {
    List<PackInfo> packs = new ArrayList<>();
    long rewritten = 0;
    long written = 0;
    int next = 0;
    for (int round = 0; round < 4_000; round++) {
      packs.add(new PackInfo("p" + next++, 40_000, 12)); // a round: 12 new objects, no deltas yet
      written += 12;
      if (packs.size() >= Compactor.THRESHOLD) {
        List<PackInfo> merge = Compactor.toMerge(packs);
        if (merge.size() >= 2) {
          int objects = merge.stream().mapToInt(PackInfo::objects).sum();
          long bytes = merge.stream().mapToLong(PackInfo::bytes).sum() / 10; // deltas: a tenth of the bytes
          rewritten += objects;
          packs.removeAll(merge);
          packs.add(new PackInfo("p" + next++, bytes, objects));
        }
      }
    }
    // Counted by bytes, the merged packs never looked big enough to keep: every compaction merged
    // them all again: each object rewritten about 133 times in this simulation, about 6 by objects.
    assertEquals(true, rewritten < 12 * written, "rewritten " + rewritten + " objects for " + written + " written");
    assertEquals(true, packs.size() < Compactor.THRESHOLD + 8, packs.size() + " packs");
  }
}
