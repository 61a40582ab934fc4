package org.thinpool.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.thinpool.io.OutOfSpaceException;
import org.thinpool.pool.PoolStateException;

/**
 * The pool's errors as NBD errno values. A read-only pool's refusal is EPERM because the pool marks
 * it so ({@code PoolStateException.isReadOnly}, shown in DamagedPoolTest and SpacePolicyTest), not
 * because its message says "read-only": a pool folder named so must not turn an EIO into EPERM.
 */
class ErrorsTest {
  @Test
  void stateErrorsAreEioUnlessMarkedReadOnlyWhateverTheMessageSays() {
    assertThat(Errors.errno(new PoolStateException("pool /srv/read-only is in use by process 7")))
        .isEqualTo(Nbd.EIO);
    assertThat(Errors.errno(new OutOfSpaceException("no free data block"))).isEqualTo(Nbd.ENOSPC);
    assertThat(Errors.errno(new IllegalArgumentException("offset"))).isEqualTo(Nbd.EINVAL);
  }
}
