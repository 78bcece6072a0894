"""The gRPC API of the attribution prover: ``.proto`` sources and their generated Python stubs."""
