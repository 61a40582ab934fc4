package org.thinpool.server;

import java.util.Optional;
import org.thinpool.pool.ThinPool;

/** What a {@link Service} may use: the served pool and the other services started before it. */
public interface ServerContext {
  ThinPool pool();

  /** The started service of that type, if any. */
  <T extends Service> Optional<T> service(Class<T> type);
}
