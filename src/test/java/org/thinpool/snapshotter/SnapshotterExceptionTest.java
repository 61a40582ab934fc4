package org.thinpool.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each kind of refusal reaches containerd as the gRPC status code of its name, message intact. */
class SnapshotterExceptionTest {
  @ParameterizedTest
  @EnumSource(SnapshotterException.Kind.class)
  void eachKindIsTheStatusCodeOfItsName(SnapshotterException.Kind kind) {
    Status s = GrpcSnapshots.status(new SnapshotterException(kind, "why " + kind));
    assertThat(s.getCode()).isEqualTo(Status.Code.valueOf(kind.name()));
    assertThat(s.getDescription()).isEqualTo("why " + kind);
  }
}
