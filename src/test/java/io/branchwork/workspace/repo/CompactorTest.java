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

  /** Fifteen packs of 1,000 objects each, as fifteen rounds would leave. */
  private static List<PackInfo> fifteenRounds() {
    List<PackInfo> packs = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      packs.add(pack("r" + i, 1_000));
    }
    return packs;
  }

  private static List<String> ids(List<PackInfo> packs) {
    return packs.stream().map(PackInfo::id).sorted().toList();
  }

  @Test
  @DisplayName("Verifies the small packs are merged and a pack of twice as many objects as all smaller ones together is kept")
  void keepsTheProgression() {
    List<PackInfo> packs = fifteenRounds();
    packs.add(pack("big", 100_000));
    assertEquals(ids(packs.subList(0, 15)), ids(Compactor.toMerge(packs)));
    packs.add(pack("bigger", 1_000_000));
    assertEquals(ids(packs.subList(0, 15)), ids(Compactor.toMerge(packs)));
  }

  @Test
  @DisplayName("Verifies a pack of fewer objects than twice the rest is merged too, and a valid progression merges nothing")
  void rollsUp() {
    List<PackInfo> packs = fifteenRounds();
    packs.add(pack("m", 20_000)); // less than twice the 15,000 below it
    packs.add(pack("big", 1_000_000));
    List<String> expected = new ArrayList<>(ids(packs.subList(0, 16)));
    assertEquals(expected, ids(Compactor.toMerge(packs)));
    assertEquals(List.of(), ids(Compactor.toMerge(List.of(pack("a", 10), pack("b", 25), pack("c", 80)))));
  }

  /**
   * 4,000 rounds of {@code round}, compacted whenever there are 16 packs, a merge {@code shrink}
   * times smaller in bytes than its parts; answers how many times each object was rewritten on
   * average, and checks the pack count stays bounded.
   */
  private static double rewritesPerObject(PackInfo round, int shrink) {
    List<PackInfo> packs = new ArrayList<>();
    long rewritten = 0;
    long written = 0;
    int next = 0;
    for (int i = 0; i < 4_000; i++) {
      packs.add(new PackInfo("p" + next++, round.bytes(), round.objects()));
      written += round.objects();
      if (packs.size() >= Compactor.THRESHOLD) {
        List<PackInfo> merge = Compactor.toMerge(packs);
        if (merge.size() >= 2) {
          int objects = merge.stream().mapToInt(PackInfo::objects).sum();
          rewritten += objects;
          packs.removeAll(merge);
          packs.add(new PackInfo("p" + next++, merge.stream().mapToLong(PackInfo::bytes).sum() / shrink, objects));
        }
      }
    }
    assertEquals(true, packs.size() < Compactor.THRESHOLD + 8, packs.size() + " packs");
    return (double) rewritten / written;
  }

  @Test
  @DisplayName("Verifies that rounds of equal size, compacted whenever there are 16 packs, rewrite each object O(log n) times, not at every compaction")
  void amortized() {
    // About 6 rewrites; merging every pack but the largest (the policy before) rewrote each
    // object about 72 times in the same simulation.
    double rewrites = rewritesPerObject(pack("round", 1_000), 1);
    assertEquals(true, rewrites < 12, rewrites + " rewrites per object");
  }

  @Test
  @DisplayName("Verifies that merged packs much smaller in bytes than their parts (deltas found) still keep the progression")
  void deltasShrinkMergedPacks() {
    // A round: 12 new objects, no deltas yet; a merge finds deltas: a tenth of the bytes. Counted
    // by bytes, merged packs never looked big enough to keep and every compaction merged them
    // again: about 133 rewrites of each object in this simulation, about 6 by objects.
    double rewrites = rewritesPerObject(new PackInfo("round", 40_000, 12), 10);
    assertEquals(true, rewrites < 12, rewrites + " rewrites per object");
  }
}
