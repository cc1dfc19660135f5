//! [`AlbVerifier`]: the `x-amzn-oidc-data` header an Application Load
//! Balancer adds after OIDC authentication, verified as AWS documents it
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html#user-claims-encoding>):
//! an ES256 JWT whose header names the key (`kid`, fetched once from the
//! region's public-key endpoint as a PEM public key) and the load balancer
//! that signed it (`signer`, which must be yours: any ALB can sign a token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rustls::RootCertStore;
use serde_json::{Map, Value};

use super::error::{JwtConfigError, JwtError, KeySourceError};
use super::https::{HttpsTarget, mozilla_roots, tls_config};

/// The DER prefix of a P-256 `SubjectPublicKeyInfo` (id-ecPublicKey,
/// prime256v1, a 65-byte uncompressed point follows).
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// Largest header accepted (ALB sends up to 16 KB of claims).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Keys remembered (ALB rotates them; each `kid` names one key for good).
const MAX_KEYS: usize = 64;
/// A `kid` whose fetch failed is not asked for again within this interval.
const FAILED_KID_INTERVAL: Duration = Duration::from_secs(10);
/// At most this many fetches of new `kid`s per [`FETCH_WINDOW`]: made-up
/// kids cannot make the verifier hammer the endpoint, and when they use up
/// the budget the answer is "keys unavailable" (503, retry), never "invalid".
const FETCHES_PER_WINDOW: usize = 10;
const FETCH_WINDOW: Duration = Duration::from_secs(60);

/// The claims of a verified `x-amzn-oidc-data` header.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbClaims {
    subject: String,
    claims: Map<String, Value>,
}

impl AlbClaims {
    /// `sub`: the user at the identity provider.
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// Every claim of the payload (the identity provider's user claims).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}

/// Verifies ALB user-claims headers for one load balancer.
///
/// ```no_run
/// # async fn run(header_value: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use secure_serverless::jwt::AlbVerifier;
/// let alb = AlbVerifier::new(
///     "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188",
/// )?;
/// let claims = alb.verify(header_value).await?;
/// println!("{}", claims.subject());
/// # Ok(()) }
/// ```
///
/// The header proves anything only if the target cannot be reached except
/// through that load balancer (security groups): a direct caller can send
/// any header, though not one with a valid signature of your ALB's key.
#[derive(Debug)]
pub struct AlbVerifier {
    signer: String,
    keys_at: String,
    tls: Arc<rustls::ClientConfig>,
    issuer: Option<String>,
    client: Option<String>,
    keys: Mutex<HashMap<String, Arc<[u8]>>>,
    fetches: Mutex<Fetches>,
}

/// Recent key fetches: the failed kids, and when each fetch happened.
#[derive(Debug, Default)]
struct Fetches {
    failed: HashMap<String, Instant>,
    recent: Vec<Instant>,
}

impl AlbVerifier {
    /// A verifier for the load balancer `alb_arn`, fetching keys from its
    /// region's endpoint `https://public-keys.auth.elb.{region}.amazonaws.com/{kid}`.
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidAlbArn`] unless `alb_arn` is an Application
    /// Load Balancer ARN.
    pub fn new(alb_arn: &str) -> Result<Self, JwtConfigError> {
        let (partition, region) = alb_location(alb_arn)?;
        let suffix = match partition {
            "aws" => "amazonaws.com",
            "aws-cn" => "amazonaws.com.cn",
            // Other partitions publish their keys elsewhere: give the
            // endpoint with `with_key_endpoint`.
            _ => {
                return Err(JwtConfigError::InvalidAlbArn(crate::untrusted::excerpt(
                    alb_arn,
                )));
            }
        };
        Self::with_key_endpoint(
            alb_arn,
            &format!("https://public-keys.auth.elb.{region}.{suffix}"),
            mozilla_roots(),
        )
    }

    /// As [`new`](Self::new), with keys from `keys_at/{kid}` trusting only
    /// `roots` (another partition's endpoint, or tests).
    ///
    /// # Errors
    /// [`JwtConfigError::InvalidAlbArn`], or [`JwtConfigError::InvalidJwksUrl`]
    /// unless `keys_at` is an `https` URL.
    pub fn with_key_endpoint(
        alb_arn: &str,
        keys_at: &str,
        roots: RootCertStore,
    ) -> Result<Self, JwtConfigError> {
        alb_region(alb_arn)?;
        let bad = || JwtConfigError::InvalidJwksUrl(crate::untrusted::excerpt(keys_at));
        let tls = tls_config(roots).ok_or_else(bad)?;
        let keys_at = keys_at.trim_end_matches('/').to_owned();
        HttpsTarget::parse(&format!("{keys_at}/key"), Arc::clone(&tls)).ok_or_else(bad)?;
        Ok(AlbVerifier {
            signer: alb_arn.to_owned(),
            keys_at,
            tls,
            issuer: None,
            client: None,
            keys: Mutex::new(HashMap::new()),
            fetches: Mutex::new(Fetches::default()),
        })
    }

    /// Also requires the header's `iss` (the identity provider the listener
    /// rule authenticates with) to be `issuer`: one load balancer may front
    /// several providers.
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_owned());
        self
    }

    /// Also requires the header's `client` (the OIDC client id of the
    /// listener rule) to be `client`.
    #[must_use]
    pub fn client(mut self, client: &str) -> Self {
        self.client = Some(client.to_owned());
        self
    }

    /// Verifies an `x-amzn-oidc-data` value: size, `alg` ES256, `signer`
    /// equal to this load balancer, the signature with the key named by
    /// `kid`, and `exp`.
    ///
    /// # Errors
    /// [`JwtError`]: `WrongIssuer` for another signer,
    /// `KeySetUnavailable` when the key cannot be fetched, and the usual
    /// reasons otherwise.
    pub async fn verify(&self, header_value: &str) -> Result<AlbClaims, JwtError> {
        if header_value.len() > MAX_HEADER_BYTES {
            return Err(JwtError::TooLarge {
                limit: MAX_HEADER_BYTES,
                actual: header_value.len(),
            });
        }
        let mut parts = header_value.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("not three dot-separated parts"));
        };
        let header: Map<String, Value> = json_part(h)?;
        match header.get("alg").and_then(Value::as_str) {
            Some("ES256") => {}
            Some(other) => return Err(JwtError::UnsupportedAlgorithm(other.to_owned())),
            None => return Err(JwtError::Malformed("no alg")),
        }
        if header.get("signer").and_then(Value::as_str) != Some(self.signer.as_str()) {
            return Err(JwtError::WrongIssuer);
        }
        if let Some(iss) = &self.issuer
            && header.get("iss").and_then(Value::as_str) != Some(iss.as_str())
        {
            return Err(JwtError::WrongIssuer);
        }
        if let Some(client) = &self.client
            && header.get("client").and_then(Value::as_str) != Some(client.as_str())
        {
            return Err(JwtError::WrongClient);
        }
        let kid = header
            .get("kid")
            .and_then(Value::as_str)
            .filter(|k| {
                (1..=64).contains(&k.len())
                    && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            .ok_or(JwtError::MissingKid)?;
        let signature = unpadded(s)?;
        let key = self.key(kid).await?;
        let signed = &header_value[..h.len() + 1 + p.len()];
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            &key[..],
        )
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| JwtError::InvalidSignature)?;
        let claims: Map<String, Value> = json_part(p)?;
        // ALB puts `exp` in the header; accept it from either, never neither.
        let exp = header
            .get("exp")
            .or_else(|| claims.get("exp"))
            .and_then(Value::as_u64)
            .ok_or_else(|| JwtError::MissingClaim("exp".into()))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        if exp <= now {
            return Err(JwtError::Expired);
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(AlbClaims { subject, claims })
    }

    /// The public key named `kid`: remembered, or fetched (a failed kid not
    /// again within [`FAILED_KID_INTERVAL`], and at most
    /// [`FETCHES_PER_WINDOW`] fetches per [`FETCH_WINDOW`]).
    async fn key(&self, kid: &str) -> Result<Arc<[u8]>, JwtError> {
        if let Some(k) = self.keys.lock().unwrap_or_else(|e| e.into_inner()).get(kid) {
            return Ok(Arc::clone(k));
        }
        {
            let mut f = self.fetches.lock().unwrap_or_else(|e| e.into_inner());
            f.failed.retain(|_, at| at.elapsed() < FAILED_KID_INTERVAL);
            if f.failed.contains_key(kid) {
                return Err(JwtError::UnknownKid(crate::untrusted::excerpt(kid)));
            }
            f.recent.retain(|at| at.elapsed() < FETCH_WINDOW);
            if f.recent.len() >= FETCHES_PER_WINDOW {
                return Err(JwtError::KeySetUnavailable(KeySourceError::Fetch {
                    host: "the ALB key endpoint".to_owned(),
                    reason: "too many new key ids in the last minute; retry later".to_owned(),
                }));
            }
            f.recent.push(Instant::now());
        }
        let fetched = self.fetch(kid).await;
        if fetched.is_err() {
            let mut f = self.fetches.lock().unwrap_or_else(|e| e.into_inner());
            if f.failed.len() < 1024 {
                f.failed.insert(kid.to_owned(), Instant::now());
            }
        }
        fetched
    }

    async fn fetch(&self, kid: &str) -> Result<Arc<[u8]>, JwtError> {
        let unavailable = |e: KeySourceError| JwtError::KeySetUnavailable(e);
        let target = HttpsTarget::parse(&format!("{}/{kid}", self.keys_at), Arc::clone(&self.tls))
            .ok_or(JwtError::MissingKid)?;
        let pem = target.get().await.map_err(|e| match e {
            // The endpoint answers 403/404 for a key it does not have.
            KeySourceError::Status {
                status: 403 | 404, ..
            } => JwtError::UnknownKid(crate::untrusted::excerpt(kid)),
            e => unavailable(e),
        })?;
        let point = p256_point(&pem.text).ok_or_else(|| {
            unavailable(KeySourceError::Fetch {
                host: target.host().to_owned(),
                reason: "the answer is not a PEM P-256 public key".to_owned(),
            })
        })?;
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(kid.to_owned(), Arc::clone(&point));
        Ok(point)
    }
}

/// The region of an Application Load Balancer ARN
/// (`arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{id}`).
fn alb_region(arn: &str) -> Result<&str, JwtConfigError> {
    alb_location(arn).map(|(_, region)| region)
}

/// The partition and region of an Application Load Balancer ARN.
fn alb_location(arn: &str) -> Result<(&str, &str), JwtConfigError> {
    let bad = || JwtConfigError::InvalidAlbArn(crate::untrusted::excerpt(arn));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "elasticloadbalancing",
            region,
            account,
            resource,
        ] if !partition.is_empty()
            && !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.starts_with("loadbalancer/app/") =>
        {
            Ok((partition, region))
        }
        _ => Err(bad()),
    }
}

/// A JWT part: base64url, with or without the (at most two) `=` of padding
/// ALB may add.
fn unpadded(part: &str) -> Result<Vec<u8>, JwtError> {
    let bare = part.trim_end_matches('=');
    if part.len() - bare.len() > 2 {
        return Err(JwtError::Malformed("a part is not base64url"));
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(bare)
        .map_err(|_| JwtError::Malformed("a part is not base64url"))
}

fn json_part(part: &str) -> Result<Map<String, Value>, JwtError> {
    serde_json::from_slice(&unpadded(part)?)
        .map_err(|_| JwtError::Malformed("a part is not a JSON object"))
}

/// The uncompressed point of a PEM P-256 public key, or `None`.
fn p256_point(pem: &str) -> Option<Arc<[u8]>> {
    let body: String = pem
        .trim()
        .strip_prefix("-----BEGIN PUBLIC KEY-----")?
        .strip_suffix("-----END PUBLIC KEY-----")?
        .split_whitespace()
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    let point = der.strip_prefix(&P256_SPKI_PREFIX[..])?;
    (point.len() == 65 && point[0] == 0x04).then(|| Arc::from(point))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alb_arns_and_keys_are_read_strictly() {
        let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188";
        assert_eq!(alb_region(arn).unwrap(), "eu-west-1");
        for bad in [
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/nlb/1",
            "arn:aws:elb:eu-west-1:123456789012:loadbalancer/app/a/1",
            "arn:aws:elasticloadbalancing:EU:123456789012:loadbalancer/app/a/1",
            "arn:aws:elasticloadbalancing:eu-west-1:1234:loadbalancer/app/a/1",
            "not an arn",
        ] {
            assert!(AlbVerifier::new(bad).is_err(), "{bad}");
        }
        assert!(p256_point("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_none());
        assert!(p256_point("garbage").is_none());
        assert_eq!(unpadded("YQ==").unwrap(), b"a");
        assert_eq!(unpadded("YQ").unwrap(), b"a");
        assert!(unpadded("YQ=====").is_err());
        let gov =
            "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/a/1";
        assert!(AlbVerifier::new(gov).is_err());
    }
}
