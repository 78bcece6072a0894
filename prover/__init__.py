"""The fast implementation: SRS, datasets, registration, proving, storage, service, CLI."""

from attrib.prover.attribution import Prover, Registration, RegistrationError
from attrib.prover.dataset import Dataset
from attrib.prover.srs import SRS, SRSError

__all__ = ["SRS", "SRSError", "Dataset", "Prover", "Registration", "RegistrationError"]
