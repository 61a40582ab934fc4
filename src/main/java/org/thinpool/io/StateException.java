package org.thinpool.io;

/**
 * The request is valid in form but not in the current state of the layer that refuses it: a thin id
 * that exists or does not, a metadata snapshot already held, a pool in use by another process.
 *
 * <p>Each layer above {@code io} throws its own final subclass, so the type names the layer that
 * refused: {@code thin.MetadataStateException} for the metadata model, {@code
 * pool.PoolStateException} for the pool. The class is {@code non-sealed} because a sealed hierarchy
 * cannot name subclasses in packages above this one without pointing a dependency upwards.
 */
public abstract non-sealed class StateException extends StorageException {
  private static final long serialVersionUID = 1L;

  protected StateException(String message) {
    super(message);
  }
}
