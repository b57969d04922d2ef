"""Numba hot paths, each with a plain NumPy twin of the same signature.

* :mod:`.im2col`: unfold (the patch matrix ``P``) and fold (``P.T``);
* :mod:`.tiling`: the (de-)interleaving copy of a kernel that tiles the image (``P`` a permutation);
* :mod:`.winograd`: Winograd's tile transforms;
* :mod:`.pool` / :mod:`.pool_numpy`: max pooling with its argmax, average pooling, backwards;
* :mod:`.elementwise`: the fused ReLU backward.

Importing this package does not import Numba; the kernel modules do (on first use of a
fast method). Set ``NUMBA_DISABLE_JIT=1`` to run every kernel as ordinary Python (for a
debugger). The threads the kernels run on are set by :func:`tconv.set_num_threads`
(:mod:`tconv.methods.runtime`).
"""
