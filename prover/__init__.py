"""The fast implementation: SRS, datasets, registration, proving, storage, service, CLI."""

from attrib.prover.attribution import Epoch, Prover, Registration, RegistrationError
from attrib.prover.dataset import Dataset
from attrib.prover.srs import SRS, SRSError
from attrib.prover.streaming import RowSource

__all__ = ["SRS", "SRSError", "Dataset", "Epoch", "Prover", "Registration", "RegistrationError", "RowSource"]
