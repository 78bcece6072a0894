"""The fast implementation: SRS, datasets, registration, proving, storage, service, CLI."""

from prover.attribution import Prover, Registration, RegistrationError
from prover.dataset import Dataset
from prover.srs import SRS, SRSError

__all__ = ["SRS", "SRSError", "Dataset", "Prover", "Registration", "RegistrationError"]
