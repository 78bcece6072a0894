"""``attribution.v1``: ProverService and VerifierService (attribution.proto; stubs from ``python -m proto.generate``)."""
