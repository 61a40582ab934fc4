package org.thinpool.nbd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.thinpool.pool.ThinPool;

/**
 * The pool's thin devices as NBD exports: export name = thin id in decimal; the empty name (the
 * protocol's default export) is the lowest id. Every device of the pool is an export the moment it
 * exists. Counts the connections attached to each device, so that the pool's owner can refuse to
 * delete a device in use, or defer the delete until its last connection closes.
 */
public final class Exports {
  /** Longest decimal thin id: ids are 24-bit. */
  private static final int MAX_NAME_DIGITS = 8;

  private final ThinPool pool;
  private final boolean readOnly;

  /** Connections per thin id; guarded by this (attach, detach and deferral are per connection). */
  private final Map<Long, Integer> attached = new HashMap<>();

  /** Deletes waiting for a device's last connection; the device is no longer offered. */
  private final Map<Long, DeferredAction> pending = new HashMap<>();

  public Exports(ThinPool pool, boolean readOnly) {
    this.pool = pool;
    this.readOnly = readOnly;
  }

  /** Every export, by ascending thin id. */
  public List<Export> list() throws IOException {
    List<Export> out = new ArrayList<>();
    for (long id : pool.deviceIds()) {
      synchronized (this) {
        if (pending.containsKey(id)) {
          continue;
        }
      }
      out.add(export(id));
    }
    return out;
  }

  /** The export of that name, if its device exists now (and is not waiting to be deleted). */
  public Optional<Export> find(String name) throws IOException {
    List<Long> ids = new ArrayList<>(pool.deviceIds());
    synchronized (this) {
      ids.removeAll(pending.keySet());
    }
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
  public synchronized int connections(long thinId) {
    return attached.getOrDefault(thinId, 0);
  }

  /** An action run when a device's last connection closes (a deferred delete). */
  @FunctionalInterface
  public interface DeferredAction {
    void run(long thinId) throws IOException;
  }

  /**
   * If connections are attached to the device, stops offering it to new ones and runs {@code
   * action} when the last one closes, and returns their number; else returns 0 and the caller acts
   * now. Atomic with respect to connections attaching and detaching.
   */
  public synchronized int deferWhileAttached(long thinId, DeferredAction action) {
    int n = attached.getOrDefault(thinId, 0);
    if (n > 0) {
      pending.put(thinId, action);
    }
    return n;
  }

  /** Attaches a connection to the export's device until the returned handle is closed. */
  synchronized Attachment attach(Export e) {
    attached.merge(e.thinId(), 1, Integer::sum);
    return () -> detach(e.thinId());
  }

  private void detach(long thinId) {
    DeferredAction action;
    synchronized (this) {
      Integer left = attached.computeIfPresent(thinId, (k, n) -> n == 1 ? null : n - 1);
      action = left == null ? pending.remove(thinId) : null;
    }
    if (action != null) {
      try {
        action.run(thinId);
      } catch (IOException | RuntimeException e) {
        System.getLogger(Exports.class.getName())
            .log(
                System.Logger.Level.WARNING,
                "deferred delete of thin device {0} failed: {1}",
                thinId,
                e.toString());
      }
    }
  }

  /** A connection's hold on a device. */
  interface Attachment extends AutoCloseable {
    @Override
    void close();
  }

  private Export export(long id) throws IOException {
    return new Export(
        Long.toString(id), pool.device(id), readOnly, (int) pool.dataBlockSizeBytes());
  }
}
