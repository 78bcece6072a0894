"""attrib: verifiable data attribution.

Rooms, each importing only the ones below it:

- ``attrib.kernels``  — fast BN254 arithmetic (Cython/C), no protocol.
- ``attrib.verifier`` — the protocol as an executable specification, pure Python; it owns
  every rule and bound (``attrib.verifier.limits``).
- ``attrib.prover``   — the fast implementation of the protocol: SRS, datasets, registration, proving.
- ``attrib.service``  — the gRPC service: server, jobs, storage, client.
- ``attrib.chain``    — compiling the Solidity verifier (solc-js) and running it in an EVM.
- ``attrib.demo``     — ``attrib demo``.
- ``attrib.cli``      — the ``attrib`` command; it imports a subcommand's module only when it runs.
- ``attrib.bench``    — the benchmark harness (nothing else imports it).

Importing ``attrib`` loads nothing else.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("attrib")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
