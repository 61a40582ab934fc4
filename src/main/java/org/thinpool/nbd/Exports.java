package org.thinpool.nbd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import org.thinpool.pool.ThinPool;

/**
 * The pool's thin devices as NBD exports: export name = thin id in decimal; the empty name (the
 * protocol's default export) is the lowest id. Every device of the pool is an export the moment it
 * exists. Counts the connections attached to each device, so that the pool's owner can refuse to
 * delete a device in use, or delete it when its last connection closes.
 */
public final class Exports {
  /** Longest decimal thin id: ids are 24-bit. */
  private static final int MAX_NAME_DIGITS = 8;

  private final ThinPool pool;
  private final boolean readOnly;
  private final Map<Long, Integer> attached = new ConcurrentHashMap<>();
  private volatile LongConsumer lastDetached = id -> {};

  public Exports(ThinPool pool, boolean readOnly) {
    this.pool = pool;
    this.readOnly = readOnly;
  }

  /** Every export, by ascending thin id. */
  public List<Export> list() throws IOException {
    List<Export> out = new ArrayList<>();
    for (long id : pool.deviceIds()) {
      out.add(export(id));
    }
    return out;
  }

  /** The export of that name, if its device exists now. */
  public Optional<Export> find(String name) throws IOException {
    List<Long> ids = pool.deviceIds();
    if (name.isEmpty()) {
      return ids.isEmpty() ? Optional.empty() : Optional.of(export(ids.getFirst()));
    }
    if (name.length() > MAX_NAME_DIGITS || !name.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    long id = Long.parseLong(name);
    return ids.contains(id) ? Optional.of(export(id)) : Optional.empty();
  }

  /** How many connections are attached to the device now. */
  public int connections(long thinId) {
    return attached.getOrDefault(thinId, 0);
  }

  /** Called with a thin id when its last connection detaches (for deferred deletes). */
  public void onLastDetached(LongConsumer listener) {
    lastDetached = listener;
  }

  /** Attaches a connection to the export's device until the returned handle is closed. */
  Attachment attach(Export e) {
    attached.merge(e.thinId(), 1, Integer::sum);
    return () -> {
      Integer left = attached.computeIfPresent(e.thinId(), (k, n) -> n == 1 ? null : n - 1);
      if (left == null) {
        lastDetached.accept(e.thinId());
      }
    };
  }

  /** A connection's hold on a device. */
  interface Attachment extends AutoCloseable {
    @Override
    void close();
  }

  private Export export(long id) throws IOException {
    return new Export(Long.toString(id), pool.device(id), readOnly,
        (int) pool.dataBlockSizeBytes());
  }
}
