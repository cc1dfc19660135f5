//! Signature verification with `ring`, prepared once per key and algorithm.
//!
//! `jsonwebtoken` 11 verifies through a process-wide crypto provider (its
//! `rust_crypto` or `aws_lc_rs` backend). The verifier here does not use that
//! global: each key of a [`KeySet`](super::KeySet) is turned, when it is
//! added, into a ready-to-use `ring` verifier per allowed algorithm (the HMAC
//! key schedule computed once, RSA components without leading zeros), and a
//! token is checked against exactly that verifier. `ring` is the library
//! `rustls` already links for HTTPS JWKS fetching; it verifies RS256 about ten
//! times faster than the pure-Rust `rsa` crate behind `rust_crypto`, and is a
//! fraction of `aws-lc`'s size.
//!
//! Why not carry this `ring` verifier through `jsonwebtoken`'s pluggable
//! `CryptoProvider`: the provider is installed once per process
//! (`install_default`), so a library that installs one takes the choice
//! away from the application and fails if the application made it first;
//! and its `verifier_factory` builds a boxed verifier from the
//! `DecodingKey` for every token, which would give up the preparation once
//! per key that the verify figures in the README rest on.
//!
//! RSA keys must be 2048 to 8192 bits (`ring`'s `*_2048_8192_*` parameters):
//! shorter keys never verify.

use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};
use ring::signature::{self, RsaParameters, UnparsedPublicKey, VerificationAlgorithm};

/// A key prepared for one algorithm.
#[derive(Clone)]
pub(super) enum Prepared {
    /// HMAC, key schedule precomputed.
    Hmac(ring::hmac::Key),
    /// RSA from the JWK's modulus and exponent (leading zeros stripped).
    RsaComponents {
        params: &'static RsaParameters,
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// RSA, EC or Ed25519 from encoded public key bytes (PKCS#1 DER for RSA,
    /// the uncompressed point for EC, the 32 raw bytes for Ed25519).
    Encoded {
        algorithm: &'static dyn VerificationAlgorithm,
        key: Vec<u8>,
    },
    /// ES512: a P-521 public key (RustCrypto's `p521`; ring has no P-521).
    #[cfg(feature = "jwt-es512")]
    P521(Box<p521::ecdsa::VerifyingKey>),
}

impl Prepared {
    /// The verifier for `key` with `alg`, or `None` when the key's type does
    /// not fit the algorithm (an RSA key offered for HS256, say).
    pub(super) fn new(key: &DecodingKey, alg: Algorithm) -> Option<Prepared> {
        if key.family() != alg.family() {
            return None;
        }
        let hmac = |a| match key.kind() {
            DecodingKeyKind::SecretOrDer(secret) => {
                Some(Prepared::Hmac(ring::hmac::Key::new(a, secret)))
            }
            DecodingKeyKind::RsaModulusExponent { .. } => None,
        };
        let rsa = |params: &'static RsaParameters| {
            Some(match key.kind() {
                DecodingKeyKind::RsaModulusExponent { n, e } => Prepared::RsaComponents {
                    params,
                    n: minimal(n).to_vec(),
                    e: minimal(e).to_vec(),
                },
                DecodingKeyKind::SecretOrDer(der) => Prepared::Encoded {
                    algorithm: params,
                    key: der.clone(),
                },
            })
        };
        let encoded = |algorithm: &'static dyn VerificationAlgorithm| match key.kind() {
            DecodingKeyKind::SecretOrDer(bytes) => Some(Prepared::Encoded {
                algorithm,
                key: bytes.clone(),
            }),
            DecodingKeyKind::RsaModulusExponent { .. } => None,
        };
        match alg {
            Algorithm::HS256 => hmac(ring::hmac::HMAC_SHA256),
            Algorithm::HS384 => hmac(ring::hmac::HMAC_SHA384),
            Algorithm::HS512 => hmac(ring::hmac::HMAC_SHA512),
            Algorithm::RS256 => rsa(&signature::RSA_PKCS1_2048_8192_SHA256),
            Algorithm::RS384 => rsa(&signature::RSA_PKCS1_2048_8192_SHA384),
            Algorithm::RS512 => rsa(&signature::RSA_PKCS1_2048_8192_SHA512),
            Algorithm::PS256 => rsa(&signature::RSA_PSS_2048_8192_SHA256),
            Algorithm::PS384 => rsa(&signature::RSA_PSS_2048_8192_SHA384),
            Algorithm::PS512 => rsa(&signature::RSA_PSS_2048_8192_SHA512),
            Algorithm::ES256 => encoded(&signature::ECDSA_P256_SHA256_FIXED),
            Algorithm::ES384 => encoded(&signature::ECDSA_P384_SHA384_FIXED),
            Algorithm::EdDSA => encoded(&signature::ED25519),
            // `Algorithm` is non-exhaustive: an algorithm added later is not
            // verified until it is wired here.
            _ => None,
        }
    }

    /// Whether `signature` is valid for `message`; HMAC tags are compared in
    /// constant time.
    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Prepared::Hmac(key) => ring::hmac::verify(key, message, signature).is_ok(),
            Prepared::RsaComponents { params, n, e } => signature::RsaPublicKeyComponents { n, e }
                .verify(params, message, signature)
                .is_ok(),
            Prepared::Encoded { algorithm, key } => UnparsedPublicKey::new(*algorithm, key)
                .verify(message, signature)
                .is_ok(),
            #[cfg(feature = "jwt-es512")]
            Prepared::P521(key) => {
                use p521::ecdsa::signature::Verifier as _;
                // JWS: R and S as 66-byte big-endian integers (RFC 7518, 3.4).
                p521::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
        }
    }

    /// An ES512 verifier for the P-521 point `x`, `y` (66 bytes each), or
    /// `None` when it is not a point of the curve.
    #[cfg(feature = "jwt-es512")]
    pub(super) fn p521(x: &[u8], y: &[u8]) -> Option<Prepared> {
        if x.len() != 66 || y.len() != 66 {
            return None;
        }
        let mut sec1 = Vec::with_capacity(133);
        sec1.push(4);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        p521::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
            .ok()
            .map(|k| Prepared::P521(Box::new(k)))
    }
}

/// Big-endian integer bytes without leading zeros (`ring` refuses them; some
/// JWKS publish a modulus with a leading zero octet).
fn minimal(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_only_serve_their_own_family() {
        let hmac = DecodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        assert!(Prepared::new(&hmac, Algorithm::HS256).is_some());
        assert!(Prepared::new(&hmac, Algorithm::RS256).is_none());
        assert!(Prepared::new(&hmac, Algorithm::EdDSA).is_none());
        let rsa = DecodingKey::from_rsa_raw_components(&[0, 0xc3, 0x01], &[1, 0, 1]);
        assert!(Prepared::new(&rsa, Algorithm::HS256).is_none());
        assert!(Prepared::new(&rsa, Algorithm::ES256).is_none());
        let Some(Prepared::RsaComponents { n, .. }) = Prepared::new(&rsa, Algorithm::RS256) else {
            panic!("RSA components expected");
        };
        assert_eq!(n, [0xc3, 0x01], "leading zeros stripped");
        // A 16-bit "RSA key" never verifies anything.
        assert!(
            !Prepared::new(&rsa, Algorithm::RS256)
                .unwrap()
                .verify(b"m", b"s")
        );
    }

    #[test]
    fn hmac_verifies_its_own_tags_only() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let p = Prepared::new(&DecodingKey::from_secret(secret), Algorithm::HS256).unwrap();
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let tag = ring::hmac::sign(&key, b"message");
        assert!(p.verify(b"message", tag.as_ref()));
        assert!(!p.verify(b"messagf", tag.as_ref()));
        assert!(!p.verify(b"message", &tag.as_ref()[..31]));
        assert!(!p.verify(b"message", b""));
    }

    #[test]
    fn minimal_strips_leading_zeros_only() {
        assert_eq!(minimal(&[0, 0, 1, 0]), [1, 0]);
        assert_eq!(minimal(&[1, 0]), [1, 0]);
        assert_eq!(minimal(&[0, 0]), [] as [u8; 0]);
        assert_eq!(minimal(&[]), [] as [u8; 0]);
    }
}
