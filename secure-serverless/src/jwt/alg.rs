//! The signature algorithms a token may name: `jsonwebtoken`'s, plus ES512
//! (ECDSA on P-521 with SHA-512, RFC 7518 section 3.4), which its
//! `Algorithm` does not have (feature `jwt-es512`).

use std::str::FromStr;

use jsonwebtoken::Algorithm;

/// A JWS `alg` this crate verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SigAlg {
    /// One of `jsonwebtoken`'s algorithms.
    Jws(Algorithm),
    /// ECDSA with P-521 and SHA-512.
    #[cfg(feature = "jwt-es512")]
    Es512,
}

impl SigAlg {
    /// The algorithm named `name` (case-sensitive, as RFC 7515 requires).
    pub(super) fn parse(name: &str) -> Option<SigAlg> {
        #[cfg(feature = "jwt-es512")]
        if name == "ES512" {
            return Some(SigAlg::Es512);
        }
        Algorithm::from_str(name).ok().map(SigAlg::Jws)
    }
}
