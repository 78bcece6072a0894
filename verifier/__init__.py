"""The attribution protocol as an executable specification, in pure Python.

Depends on py_ecc and a keccak implementation only, and on nothing else of
this project.  Read it in this order: encoding, transcript, polynomial,
sumcheck, hyperkzg, messages, fees, attribution, registration.
"""

from attrib.verifier.attribution import verify_attribution
from attrib.verifier.encoding import EncodingError
from attrib.verifier.hyperkzg import VerifyingKey
from attrib.verifier.messages import Claim, Manifest, Proof
from attrib.verifier.registration import RegistrationProof, verify_registration

__all__ = ["Claim", "EncodingError", "Manifest", "Proof", "RegistrationProof", "VerifyingKey", "verify_attribution",
           "verify_registration"]
