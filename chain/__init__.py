"""Running the Solidity verifier: solc-js (from npm, pinned in package.json) and an EVM (pyrevm).

``node``: installs the locked npm packages of a source checkout; ``evm``: compiles contracts and
runs them in pyrevm.  Used by the tests of the contracts.
"""
