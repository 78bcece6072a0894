"""The attribution protocol as an executable specification, in pure Python.

Depends on py_ecc and a keccak implementation only, and on nothing else of
this project.  Read it in this order: limits, encoding, transcript, polynomial,
sumcheck, hyperkzg, terms, messages, recipe, openings, registration, rows, fees, kernels, attribution, payouts, then
audit; evm and evm_registration write the Solidity verifiers from these.

Every ``verify_*`` function takes ``backend=``: ``"python"`` (this specification, the default),
``"native"`` (the same code with its MSM and pairing check in the compiled kernels, see backend and
native) or ``"auto"``; ``$ATTRIB_VERIFIER_BACKEND`` sets the default.
"""

from attrib.verifier.attribution import Claim, Proof, verify_attribution
from attrib.verifier.encoding import EncodingError
from attrib.verifier.hyperkzg import VerifyingKey
from attrib.verifier.messages import Manifest
from attrib.verifier.payouts import BalanceOpening, PayoutOpening, verify_balance, verify_payouts
from attrib.verifier.recipe import Recipe
from attrib.verifier.registration import RegistrationProof, verify_registration, verify_versions
from attrib.verifier.rows import RowOpening, verify_rows
from attrib.verifier.terms import Terms

__all__ = ["BalanceOpening", "Claim", "EncodingError", "Manifest", "PayoutOpening", "Proof", "Recipe",
           "RegistrationProof", "RowOpening", "Terms", "VerifyingKey", "verify_attribution", "verify_balance",
           "verify_payouts", "verify_registration", "verify_rows", "verify_versions"]
