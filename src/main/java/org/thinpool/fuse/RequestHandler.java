package org.thinpool.fuse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.pool.DiscardMode;
import org.thinpool.pool.PoolStateException;
import org.thinpool.pool.PoolStatus;
import org.thinpool.pool.ThinPool;
import org.thinpool.pool.ThinStatus;

/**
 * Answers one decoded request into a reply buffer: the file system's behaviour, apart from the
 * reading and writing of {@code /dev/fuse}. Thread-safe (the pool and the node table are); each
 * reader thread passes its own buffer, so one request's reply never meets another's.
 *
 * <p>Device files: mode 0600, owned by the server's user, size = the device's virtual size (asked
 * of the pool on every GETATTR, so a resize shows at once). Reads and writes go straight to the
 * device (FOPEN_DIRECT_IO: no page cache of ours in front of the pool, so two files and the NBD
 * exports of one device never disagree); past the end a read is short and a write fails ENOSPC, as
 * on a block device. FLUSH and FSYNC commit the pool. FALLOCATE(PUNCH_HOLE|KEEP_SIZE) and
 * ZERO_RANGE make the range read as zeros through {@code ThinDevice.writeZeroes}: whole blocks are
 * unmapped (freed in the pool; with passdown punched out of the data file), partial ends written
 * with zeros. In the pool's {@code ignore} discard mode a punch is refused EOPNOTSUPP, as a dm-thin
 * device with discards ignored offers none: a punch that freed nothing yet had to read as zeros
 * would be a write, not a discard.
 */
final class RequestHandler {
  private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());

  private final ThinPool pool;
  private final DeviceNodes nodes;
  private final int uid;
  private final int gid;
  private final long mountTimeSeconds;
  private final SessionState state;

  /** Show every device of the pool, as it is now (serve --fuse), not only the exposed ones. */
  private final boolean everyDevice;

  /** What a handler tells the session: INIT done, DESTROY received. */
  interface SessionState {
    void initialised();

    void destroyed();
  }

  RequestHandler(
      ThinPool pool, DeviceNodes nodes, int uid, int gid, long mountTimeSeconds, SessionState st) {
    this(pool, nodes, uid, gid, mountTimeSeconds, st, false);
  }

  RequestHandler(
      ThinPool pool,
      DeviceNodes nodes,
      int uid,
      int gid,
      long mountTimeSeconds,
      SessionState st,
      boolean everyDevice) {
    this.everyDevice = everyDevice;
    this.pool = pool;
    this.nodes = nodes;
    this.uid = uid;
    this.gid = gid;
    this.mountTimeSeconds = mountTimeSeconds;
    this.state = st;
  }

  /** Answers {@code req} into {@code out}; returns the reply's length, or 0 for no reply. */
  int handle(FuseRequest req, ByteBuffer out) {
    if (req.noReply()) {
      return 0;
    }
    try {
      return answer(req, out);
    } catch (IOException | RuntimeException e) {
      int errno = errno(e);
      if (errno == Fuse.EIO) {
        LOG.log(Level.WARNING, "FUSE request {0} failed: {1}", req, e.toString());
      }
      return ReplyCodec.error(out, req.unique(), errno);
    }
  }

  private int answer(FuseRequest req, ByteBuffer out) throws IOException {
    return switch (req) {
      case FuseRequest.Init r -> init(r, out);
      case FuseRequest.Lookup r -> lookup(r, out);
      case FuseRequest.Getattr r -> getattr(r.unique(), r.nodeId(), out);
      case FuseRequest.Setattr r -> setattr(r, out);
      case FuseRequest.Open r -> open(r, out);
      case FuseRequest.Read r -> read(r, out);
      case FuseRequest.Write r -> write(r, out);
      case FuseRequest.Flush r -> commit(r.unique(), out);
      case FuseRequest.Fsync r -> commit(r.unique(), out);
      case FuseRequest.Release r -> release(r, out);
      case FuseRequest.Opendir r -> opendir(r, out);
      case FuseRequest.Readdir r -> readdir(r, out);
      case FuseRequest.Releasedir r -> empty(r.unique(), out);
      case FuseRequest.Statfs r -> statfs(r, out);
      case FuseRequest.Fallocate r -> fallocate(r, out);
      case FuseRequest.Destroy r -> {
        state.destroyed();
        yield empty(r.unique(), out);
      }
      case FuseRequest.Unknown r -> ReplyCodec.error(out, r.unique(), Fuse.ENOSYS);
      case FuseRequest.Forget r -> throw new AssertionError("FORGET has no reply");
      case FuseRequest.Interrupt r -> throw new AssertionError("INTERRUPT has no reply");
    };
  }

  /** The flags we take when the kernel offers them. */
  static final int WANTED_INIT_FLAGS =
      Fuse.ASYNC_READ
          | Fuse.BIG_WRITES
          | Fuse.DO_READDIRPLUS
          | Fuse.ASYNC_DIO
          | Fuse.PARALLEL_DIROPS
          | Fuse.MAX_PAGES;

  private int init(FuseRequest.Init r, ByteBuffer out) {
    if (r.major() != Fuse.KERNEL_MAJOR) {
      // A newer major offers ours in a second INIT after this reply; an older one we cannot speak.
      if (r.major() < Fuse.KERNEL_MAJOR) {
        return ReplyCodec.error(out, r.unique(), Fuse.EPROTO);
      }
    }
    ReplyCodec.begin(out);
    ReplyCodec.initOut(out, r.maxReadaheadBytes(), r.flags() & WANTED_INIT_FLAGS);
    if (r.major() == Fuse.KERNEL_MAJOR) {
      state.initialised();
    }
    return ReplyCodec.finish(out, r.unique());
  }

  private int lookup(FuseRequest.Lookup r, ByteBuffer out) throws IOException {
    DeviceNodes.Node n = r.nodeId() == Fuse.ROOT_ID ? find(r.name()) : null;
    Attr a = null;
    try {
      a = n == null ? null : fileAttr(n);
    } catch (PoolStateException e) { // the device was deleted under its name
      if (!everyDevice) {
        throw e;
      }
      nodes.release(n.device.id());
    }
    if (a == null) {
      return ReplyCodec.error(out, r.unique(), Fuse.ENOENT);
    }
    ReplyCodec.begin(out);
    ReplyCodec.entryOut(out, n.nodeId, a);
    return ReplyCodec.finish(out, r.unique());
  }

  /** The exposed node of that name; showing every device, any device of the pool. */
  private DeviceNodes.Node find(String name) throws IOException {
    DeviceNodes.Node n = nodes.lookup(name);
    if (n != null || !everyDevice) {
      return n;
    }
    long id = DeviceNodes.parseId(name);
    if (id < 0 || !pool.deviceIds().contains(id)) {
      return null;
    }
    return nodes.expose(pool.device(id));
  }

  /** Showing every device: the names follow the pool's devices before a listing. */
  private void syncWithPool() throws IOException {
    List<Long> ids = pool.deviceIds();
    for (DeviceNodes.Node n : nodes.exposed()) {
      if (!ids.contains(n.device.id())) {
        nodes.release(n.device.id());
      }
    }
    for (long id : ids) {
      if (nodes.lookup(Long.toString(id)) == null) {
        nodes.expose(pool.device(id));
      }
    }
  }

  private int getattr(long unique, long nodeId, ByteBuffer out) throws IOException {
    Attr a;
    if (nodeId == Fuse.ROOT_ID) {
      a = rootAttr();
    } else {
      a = fileAttr(node(nodeId));
    }
    ReplyCodec.begin(out);
    ReplyCodec.attrOut(out, a);
    return ReplyCodec.finish(out, unique);
  }

  /** Only a no-op size change is allowed: a truncate must not resize (or wipe) a thin device. */
  private int setattr(FuseRequest.Setattr r, ByteBuffer out) throws IOException {
    if (r.nodeId() != Fuse.ROOT_ID && (r.valid() & Fuse.FATTR_SIZE) != 0) {
      if (r.sizeBytes() != node(r.nodeId()).device.sizeBytes()) {
        return ReplyCodec.error(out, r.unique(), Fuse.EPERM);
      }
    }
    return getattr(r.unique(), r.nodeId(), out);
  }

  private int open(FuseRequest.Open r, ByteBuffer out) throws IOException {
    if (r.nodeId() == Fuse.ROOT_ID) {
      return ReplyCodec.error(out, r.unique(), Fuse.EISDIR);
    }
    DeviceNodes.Node n = node(r.nodeId());
    nodes.opened(n);
    ReplyCodec.begin(out);
    ReplyCodec.openOut(out, n.nodeId, Fuse.FOPEN_DIRECT_IO | Fuse.FOPEN_PARALLEL_DIRECT_WRITES);
    return ReplyCodec.finish(out, r.unique());
  }

  private int release(FuseRequest.Release r, ByteBuffer out) throws IOException {
    nodes.closed(node(r.fh()));
    return empty(r.unique(), out);
  }

  private int read(FuseRequest.Read r, ByteBuffer out) throws IOException {
    DeviceNodes.Node n = node(r.fh());
    long size = n.device.sizeBytes();
    long offset = r.offsetBytes();
    int len = (int) Math.max(0, Math.min(r.sizeBytes(), size - Math.max(0, offset)));
    if (offset < 0) {
      return ReplyCodec.error(out, r.unique(), Fuse.EINVAL);
    }
    ReplyCodec.begin(out);
    if (len > out.remaining()) {
      throw new AssertionError("READ of " + len + " bytes exceeds the reply buffer");
    }
    n.device.read(offset, out.slice(out.position(), len));
    out.position(out.position() + len);
    return ReplyCodec.finish(out, r.unique());
  }

  private int write(FuseRequest.Write r, ByteBuffer out) throws IOException {
    DeviceNodes.Node n = node(r.fh());
    long size = n.device.sizeBytes();
    long offset = r.offsetBytes();
    if (offset < 0) {
      return ReplyCodec.error(out, r.unique(), Fuse.EINVAL);
    }
    if (offset >= size && r.data().hasRemaining()) {
      return ReplyCodec.error(out, r.unique(), Fuse.ENOSPC);
    }
    int len = (int) Math.min(r.data().remaining(), size - offset);
    n.device.write(offset, r.data().limit(r.data().position() + len));
    ReplyCodec.begin(out);
    ReplyCodec.writeOut(out, len);
    return ReplyCodec.finish(out, r.unique());
  }

  private int commit(long unique, ByteBuffer out) throws IOException {
    pool.commit();
    return empty(unique, out);
  }

  private int opendir(FuseRequest.Opendir r, ByteBuffer out) {
    if (r.nodeId() != Fuse.ROOT_ID) {
      return ReplyCodec.error(out, r.unique(), Fuse.ENOTDIR);
    }
    ReplyCodec.begin(out);
    ReplyCodec.openOut(out, 0, 0);
    return ReplyCodec.finish(out, r.unique());
  }

  /** ".", "..", then the exposed devices by id; offset i resumes after the i-th entry. */
  private int readdir(FuseRequest.Readdir r, ByteBuffer out) throws IOException {
    if (r.nodeId() != Fuse.ROOT_ID) {
      return ReplyCodec.error(out, r.unique(), Fuse.ENOTDIR);
    }
    if (everyDevice && r.offset() == 0) {
      syncWithPool();
    }
    List<DeviceNodes.Node> files = nodes.exposed();
    ReplyCodec.begin(out);
    int limit = Fuse.OUT_HEADER_BYTES + Math.min(r.sizeBytes(), out.remaining());
    for (long i = Math.max(0, r.offset()); i < files.size() + 2; i++) {
      DeviceNodes.Node n = i < 2 ? null : files.get((int) (i - 2));
      String name = i == 0 ? "." : i == 1 ? ".." : Long.toString(n.device.id());
      if (out.position() + ReplyCodec.direntBytes(name, r.plus()) > limit) {
        break;
      }
      long ino = n == null ? Fuse.ROOT_ID : n.nodeId;
      int type = n == null ? Fuse.DT_DIR : Fuse.DT_REG;
      ReplyCodec.dirent(out, ino, i + 1, name, type, r.plus(), n == null ? null : fileAttr(n));
    }
    return ReplyCodec.finish(out, r.unique());
  }

  /** The pool's data space, in data blocks: what the files can still take, all together. */
  private int statfs(FuseRequest.Statfs r, ByteBuffer out) throws IOException {
    PoolStatus s = pool.status();
    ReplyCodec.begin(out);
    ReplyCodec.statfsOut(
        out,
        s.dataBlocksTotal(),
        s.dataBlocksTotal() - s.dataBlocksUsed(),
        nodes.exposed().size(),
        (int) Math.min(Integer.MAX_VALUE, s.dataBlockSizeBytes()));
    return ReplyCodec.finish(out, r.unique());
  }

  private int fallocate(FuseRequest.Fallocate r, ByteBuffer out) throws IOException {
    DeviceNodes.Node n = node(r.fh());
    int mode = r.mode();
    boolean punch = mode == (Fuse.FALLOC_FL_PUNCH_HOLE | Fuse.FALLOC_FL_KEEP_SIZE);
    boolean zero = (mode & ~Fuse.FALLOC_FL_KEEP_SIZE) == Fuse.FALLOC_FL_ZERO_RANGE;
    if (!punch && !zero) { // plain allocation: a thin device cannot promise space
      return ReplyCodec.error(out, r.unique(), Fuse.EOPNOTSUPP);
    }
    if (punch && pool.status().discardMode() == DiscardMode.IGNORE) {
      return ReplyCodec.error(out, r.unique(), Fuse.EOPNOTSUPP);
    }
    long size = n.device.sizeBytes();
    long offset = r.offsetBytes();
    if (offset < 0 || r.lengthBytes() <= 0) {
      return ReplyCodec.error(out, r.unique(), Fuse.EINVAL);
    }
    long end = Math.min(size, offset + Math.min(r.lengthBytes(), Long.MAX_VALUE - offset));
    if (end > offset) {
      n.device.writeZeroes(offset, end - offset);
    }
    return empty(r.unique(), out);
  }

  private static int empty(long unique, ByteBuffer out) {
    ReplyCodec.begin(out);
    return ReplyCodec.finish(out, unique);
  }

  private DeviceNodes.Node node(long nodeId) throws NoSuchNodeException {
    DeviceNodes.Node n = nodes.node(nodeId);
    if (n == null) {
      throw new NoSuchNodeException(nodeId);
    }
    return n;
  }

  private Attr rootAttr() {
    return new Attr(
        Fuse.ROOT_ID, 0, 0, mountTimeSeconds, Fuse.S_IFDIR | 0755, 2, uid, gid, Fuse.PAGE_BYTES);
  }

  /** st_blocks counts the device's mapped data blocks, so du shows what the pool holds for it. */
  private Attr fileAttr(DeviceNodes.Node n) throws IOException {
    ThinStatus s = n.device.status();
    long blockBytes = pool.dataBlockSizeBytes();
    return new Attr(
        n.nodeId,
        s.sizeBytes(),
        s.mappedBlocks() * (blockBytes / 512),
        mountTimeSeconds,
        Fuse.S_IFREG | 0600,
        1,
        uid,
        gid,
        (int) Math.min(blockBytes, Fuse.MAX_WRITE_BYTES));
  }

  /** The one translation of pool errors to errno at this boundary. */
  static int errno(Exception e) {
    return switch (e) {
      case NoSuchNodeException x -> Fuse.ENOENT;
      case OutOfSpaceException x -> Fuse.ENOSPC;
      case IllegalArgumentException x -> Fuse.EINVAL;
      case PoolStateException x when x.isReadOnly() -> Fuse.EROFS;
      default -> Fuse.EIO;
    };
  }

  /** A request about a node this file system does not (or no longer) have. */
  static final class NoSuchNodeException extends IOException {
    private static final long serialVersionUID = 1L;

    NoSuchNodeException(long nodeId) {
      super("no FUSE node " + nodeId);
    }
  }
}
