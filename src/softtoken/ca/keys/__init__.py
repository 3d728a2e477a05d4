"""The CA's signing keys: the port (:class:`SigningKey`) and its backends, an encrypted
PEM file (:class:`PemSigner`), any external signer, and a PKCS#11 HSM
(``softtoken.ca.keys._pkcs11``, loaded only when configured: it needs the ``hsm`` extra)."""

from softtoken.ca.keys._signers import (
    CA_KEY_TYPES,
    CaPublicKey,
    ExternalSigner,
    PemSigner,
    SigningKey,
    ca_key_type,
)

__all__ = [
    "CA_KEY_TYPES",
    "CaPublicKey",
    "ExternalSigner",
    "PemSigner",
    "SigningKey",
    "ca_key_type",
]
