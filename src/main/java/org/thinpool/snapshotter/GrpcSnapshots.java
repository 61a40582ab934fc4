package org.thinpool.snapshotter;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CleanupRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Info;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Kind;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UpdateSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UpdateSnapshotResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UsageRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.UsageResponse;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotResponse;
import containerd.types.MountOuterClass.Mount;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.io.StateException;

/**
 * containerd's Snapshots gRPC service ({@code containerd.services.snapshots.v1}, stubs generated
 * from containerd's snapshots.proto) over a {@link Snapshotter}. Translates once, here: messages to
 * calls, and errors to status codes (NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION,
 * INVALID_ARGUMENT as containerd's errdefs read them; a full pool is RESOURCE_EXHAUSTED; anything
 * else INTERNAL, logged). The {@code snapshotter} field of requests is not checked: one socket
 * serves one snapshotter, whatever containerd names it.
 */
final class GrpcSnapshots extends SnapshotsGrpc.SnapshotsImplBase {
  private static final System.Logger LOG = System.getLogger(GrpcSnapshots.class.getName());

  /** A List response carries at most this many infos; longer lists stream in several. */
  static final int LIST_BATCH = 100;

  private final Snapshotter s;

  GrpcSnapshots(Snapshotter s) {
    this.s = s;
  }

  /** One call's body; its exceptions become the call's status. */
  private interface Call<T> {
    T run() throws IOException;
  }

  private static <T> void unary(StreamObserver<T> out, Call<T> call) {
    T reply;
    try {
      reply = call.run();
    } catch (IOException | RuntimeException e) {
      out.onError(status(e).asRuntimeException());
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }

  static Status status(Exception e) {
    Status st =
        switch (e) {
          case SnapshotterException x ->
              switch (x.kind()) { // no default: a new kind does not compile until it is mapped
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
              };
          case OutOfSpaceException x -> Status.RESOURCE_EXHAUSTED;
          case StateException x -> Status.FAILED_PRECONDITION;
          default -> {
            LOG.log(Level.WARNING, "snapshotter call failed", e);
            yield Status.INTERNAL;
          }
        };
    return st.withDescription(String.valueOf(e.getMessage()));
  }

  @Override
  public void prepare(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> out) {
    unary(
        out,
        () ->
            PrepareSnapshotResponse.newBuilder()
                .addAllMounts(mounts(s.prepare(r.getKey(), r.getParent(), r.getLabelsMap())))
                .build());
  }

  @Override
  public void view(ViewSnapshotRequest r, StreamObserver<ViewSnapshotResponse> out) {
    unary(
        out,
        () ->
            ViewSnapshotResponse.newBuilder()
                .addAllMounts(mounts(s.view(r.getKey(), r.getParent(), r.getLabelsMap())))
                .build());
  }

  @Override
  public void mounts(MountsRequest r, StreamObserver<MountsResponse> out) {
    unary(
        out, () -> MountsResponse.newBuilder().addAllMounts(mounts(s.mounts(r.getKey()))).build());
  }

  @Override
  public void commit(CommitSnapshotRequest r, StreamObserver<Empty> out) {
    unary(
        out,
        () -> {
          s.commit(r.getName(), r.getKey(), r.getLabelsMap());
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void remove(RemoveSnapshotRequest r, StreamObserver<Empty> out) {
    unary(
        out,
        () -> {
          s.remove(r.getKey());
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void stat(StatSnapshotRequest r, StreamObserver<StatSnapshotResponse> out) {
    unary(out, () -> StatSnapshotResponse.newBuilder().setInfo(info(s.stat(r.getKey()))).build());
  }

  @Override
  public void update(UpdateSnapshotRequest r, StreamObserver<UpdateSnapshotResponse> out) {
    unary(
        out,
        () -> {
          Info in = r.getInfo();
          SnapshotInfo wanted =
              new SnapshotInfo(
                  in.getName(),
                  in.getParent(),
                  SnapshotKind.ACTIVE, // ignored: only labels change
                  in.getLabelsMap(),
                  Instant.EPOCH,
                  Instant.EPOCH);
          SnapshotInfo done = s.update(wanted, r.getUpdateMask().getPathsList());
          return UpdateSnapshotResponse.newBuilder().setInfo(info(done)).build();
        });
  }

  @Override
  public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
    List<SnapshotInfo> all;
    try {
      all = s.list(r.getFiltersList());
    } catch (IOException | RuntimeException e) {
      out.onError(status(e).asRuntimeException());
      return;
    }
    for (int i = 0; i < all.size(); i += LIST_BATCH) {
      ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
      for (SnapshotInfo si : all.subList(i, Math.min(all.size(), i + LIST_BATCH))) {
        b.addInfo(info(si));
      }
      out.onNext(b.build());
    }
    out.onCompleted();
  }

  @Override
  public void usage(UsageRequest r, StreamObserver<UsageResponse> out) {
    unary(out, () -> UsageResponse.newBuilder().setSize(s.usageBytes(r.getKey())).build());
  }

  @Override
  public void cleanup(CleanupRequest r, StreamObserver<Empty> out) {
    unary(
        out,
        () -> {
          s.cleanup();
          return Empty.getDefaultInstance();
        });
  }

  private static List<Mount> mounts(List<SnapshotMount> ms) {
    return ms.stream()
        .map(
            m ->
                Mount.newBuilder()
                    .setType(m.type())
                    .setSource(m.source())
                    .addAllOptions(m.options())
                    .build())
        .toList();
  }

  static Info info(SnapshotInfo i) {
    return Info.newBuilder()
        .setName(i.name())
        .setParent(i.parent())
        .setKind(
            switch (i.kind()) {
              case VIEW -> Kind.VIEW;
              case ACTIVE -> Kind.ACTIVE;
              case COMMITTED -> Kind.COMMITTED;
            })
        .putAllLabels(i.labels())
        .setCreatedAt(timestamp(i.createdAt()))
        .setUpdatedAt(timestamp(i.updatedAt()))
        .build();
  }

  private static Timestamp timestamp(Instant t) {
    long seconds = t.getEpochSecond();
    int nanos = t.getNano(); // the part of the second, as Timestamp wants it
    return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }
}
