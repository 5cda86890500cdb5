/**
 * libtorch helpers shared by every stage that runs a network: {@link org.mvgen.torch.Torch} loads
 * mvgen's own libtorch exactly once (never a system copy such as Debian's {@code python3-torch}),
 * sets the intra-op thread count, selects the device and copies between Java arrays and tensors.
 *
 * <p>Loading is thread-safe and idempotent. Tensors are native memory: callers close them, or open
 * a {@code PointerScope} around a batch so that everything created inside is freed at its end.
 */
package org.mvgen.torch;
