package org.thinpool.meta.tx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The unboxed hash tables against java.util's, over random puts, removes and clears. */
class LongHashTest {
  @Test
  void mapAgreesWithHashMap() {
    Random rng = new Random(3);
    LongLongHashMap map = new LongLongHashMap();
    Map<Long, Long> model = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      long key = rng.nextInt(step < 100_000 ? 5_000 : 300);
      int op = rng.nextInt(10);
      if (op < 5) {
        map.put(key, step);
        model.put(key, (long) step);
      } else if (op < 9) {
        map.remove(key);
        model.remove(key);
      } else if (step % 50_000 == 0) {
        map.clear();
        model.clear();
      }
      assertThat(map.get(key, -7)).isEqualTo(model.getOrDefault(key, -7L));
    }
    assertThat(map.size()).isEqualTo(model.size());
    long[] keys = map.keys();
    Arrays.sort(keys);
    assertThat(keys).containsExactly(model.keySet().stream().sorted().mapToLong(k -> k).toArray());
    for (long k = 0; k < 5_000; k++) {
      assertThat(map.get(k, -1)).isEqualTo(model.getOrDefault(k, -1L));
    }
  }

  @Test
  void setAgreesWithHashSet() {
    Random rng = new Random(4);
    LongHashSet set = new LongHashSet();
    Set<Long> model = new HashSet<>();
    for (int step = 0; step < 100_000; step++) {
      long v = rng.nextInt(20_000);
      assertThat(set.add(v)).isEqualTo(model.add(v));
      long probe = rng.nextInt(20_000);
      assertThat(set.contains(probe)).isEqualTo(model.contains(probe));
      if (step == 60_000) {
        set.clear();
        model.clear();
      }
    }
    assertThat(set.size()).isEqualTo(model.size());
    for (long v = 0; v < 20_000; v++) {
      assertThat(set.contains(v)).as("%d", v).isEqualTo(model.contains(v));
    }
    long[] all = set.toArray();
    Arrays.sort(all);
    assertThat(all).containsExactly(model.stream().sorted().mapToLong(k -> k).toArray());
  }
}
