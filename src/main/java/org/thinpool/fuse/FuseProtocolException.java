package org.thinpool.fuse;

import java.io.IOException;

/**
 * The kernel sent a request that does not parse (lengths that disagree, arguments cut short). Never
 * expected from a real kernel: the request is answered EIO when its header can be read, and the
 * session goes on with the next one.
 */
final class FuseProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  FuseProtocolException(String message) {
    super(message);
  }
}
