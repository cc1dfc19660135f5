//! ALB's `x-amzn-oidc-data` header, verified with keys fetched from a real
//! HTTPS server of the test's own (the region's public-key endpoint's
//! stand-in: `GET /{kid}` answers the PEM public key).
#![cfg(feature = "jwks-https")]

use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use secure_serverless::jwt::{AlbVerifier, JwtError};
use serde_json::{Value, json};
use test_support::https_issuer::{Answer, HttpsIssuer};

const ALB: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188";
const KID: &str = "7b0b7a5e-2f3c-4c39-9d8d-1d2f3e4a5b6c";

struct Signer {
    key: EcdsaKeyPair,
}

impl Signer {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        Signer {
            key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap(),
        }
    }

    /// The public key as the endpoint serves it: PEM SubjectPublicKeyInfo.
    fn pem(&self) -> String {
        let mut der = vec![
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ];
        der.extend_from_slice(self.key.public_key().as_ref());
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n")
    }

    /// A token as ALB writes it: base64url parts with `=` padding.
    fn token(&self, header: &Value, claims: &Value) -> String {
        let part = |v: &Value| base64::engine::general_purpose::URL_SAFE.encode(v.to_string());
        let signed = format!("{}.{}", part(header), part(claims));
        let sig = self
            .key
            .sign(&SystemRandom::new(), signed.as_bytes())
            .unwrap();
        format!(
            "{signed}.{}",
            base64::engine::general_purpose::URL_SAFE.encode(sig.as_ref())
        )
    }
}

fn header(kid: &str, signer: &str, exp: u64) -> Value {
    json!({"alg": "ES256", "kid": kid, "signer": signer, "iss": "https://idp.example",
        "client": "client-1", "exp": exp, "typ": "JWT"})
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

async fn endpoint(signer: &Signer) -> (HttpsIssuer, AlbVerifier) {
    let server = HttpsIssuer::start().await;
    server.answer(&format!("/{KID}"), Answer::ok(signer.pem()));
    let alb = AlbVerifier::with_key_endpoint(ALB, &server.url(""), server.roots()).unwrap();
    (server, alb)
}

#[tokio::test]
async fn a_header_signed_by_our_load_balancer_is_accepted_once_its_key_is_fetched() {
    let signer = Signer::new();
    let (server, alb) = endpoint(&signer).await;
    let claims = json!({"sub": "user-42", "email": "u@example.com", "exp": now() + 60, "iss": "https://idp.example"});
    let token = signer.token(&header(KID, ALB, now() + 60), &claims);
    assert!(
        token.contains('='),
        "ALB's padding is kept in the test token"
    );
    for _ in 0..3 {
        let verified = alb.verify(&token).await.unwrap();
        assert_eq!(verified.subject(), "user-42");
        assert_eq!(verified.claims()["email"], "u@example.com");
    }
    assert_eq!(
        server.hits(&format!("/{KID}")),
        1,
        "the key is fetched once"
    );
}

#[tokio::test]
async fn another_signer_a_bad_signature_or_an_expired_header_is_refused() {
    let signer = Signer::new();
    let (server, alb) = endpoint(&signer).await;
    let claims = json!({"sub": "user-42", "exp": now() + 60});
    // Another load balancer (any ALB can sign): refused before any key fetch.
    let other = ALB.replace("my-alb", "their-alb");
    let t = signer.token(&header(KID, &other, now() + 60), &claims);
    assert!(matches!(alb.verify(&t).await, Err(JwtError::WrongIssuer)));
    assert_eq!(server.hits(&format!("/{KID}")), 0);
    // Signed by another key under our kid.
    let forger = Signer::new();
    let t = forger.token(&header(KID, ALB, now() + 60), &claims);
    assert!(matches!(
        alb.verify(&t).await,
        Err(JwtError::InvalidSignature)
    ));
    // A payload changed after signing.
    let good = signer.token(&header(KID, ALB, now() + 60), &claims);
    let mut parts: Vec<&str> = good.split('.').collect();
    let changed = base64::engine::general_purpose::URL_SAFE
        .encode(json!({"sub": "admin", "exp": now() + 60}).to_string());
    parts[1] = &changed;
    assert!(matches!(
        alb.verify(&parts.join(".")).await,
        Err(JwtError::InvalidSignature)
    ));
    // Expired.
    let t = signer.token(&header(KID, ALB, now() - 1), &claims);
    assert!(matches!(alb.verify(&t).await, Err(JwtError::Expired)));
    // Another algorithm, or no kid.
    let mut h = header(KID, ALB, now() + 60);
    h["alg"] = json!("HS256");
    assert!(alb.verify(&signer.token(&h, &claims)).await.is_err());
    let mut h = header(KID, ALB, now() + 60);
    h.as_object_mut().unwrap().remove("kid");
    assert!(matches!(
        alb.verify(&signer.token(&h, &claims)).await,
        Err(JwtError::MissingKid)
    ));
    assert!(alb.verify("a.b").await.is_err());
    assert!(alb.verify(&"a".repeat(20_000)).await.is_err());
}

#[tokio::test]
async fn key_fetches_are_bounded_and_outages_fail_closed() {
    let signer = Signer::new();
    let server = HttpsIssuer::start().await;
    let alb = AlbVerifier::with_key_endpoint(ALB, &server.url(""), server.roots()).unwrap();
    let claims = json!({"sub": "u", "exp": now() + 60});
    // The endpoint is down: keys unavailable (503 at the edge), not a 401,
    // and the failed kid is not asked for again at once.
    server.answer(&format!("/{KID}"), Answer::status(500));
    let t = signer.token(&header(KID, ALB, now() + 60), &claims);
    for _ in 0..3 {
        assert!(alb.verify(&t).await.is_err());
    }
    assert_eq!(server.hits(&format!("/{KID}")), 1);
    // Made-up kids: each fetched once, then the fetch budget (10 a minute)
    // runs out and the answer is "keys unavailable", never a flood of fetches.
    let kid = |i: usize| format!("00000000-0000-0000-0000-{i:012}");
    let mut unavailable = 0;
    for i in 0..20 {
        let t = signer.token(&header(&kid(i), ALB, now() + 60), &claims);
        if matches!(alb.verify(&t).await, Err(JwtError::KeySetUnavailable(_))) {
            unavailable += 1;
        }
    }
    let fetched: usize = (0..20).map(|i| server.hits(&format!("/{}", kid(i)))).sum();
    assert_eq!(
        fetched, 9,
        "10 fetches a minute, one of them spent on the outage"
    );
    assert_eq!(unavailable, 11);
}

#[tokio::test]
async fn issuer_and_client_can_be_pinned() {
    let signer = Signer::new();
    let (_server, alb) = endpoint(&signer).await;
    let alb = alb.issuer("https://idp.example").client("client-1");
    let claims = json!({"sub": "u", "exp": now() + 60});
    assert!(
        alb.verify(&signer.token(&header(KID, ALB, now() + 60), &claims))
            .await
            .is_ok()
    );
    let mut other = header(KID, ALB, now() + 60);
    other["iss"] = json!("https://other-idp.example");
    assert!(matches!(
        alb.verify(&signer.token(&other, &claims)).await,
        Err(JwtError::WrongIssuer)
    ));
    let mut other = header(KID, ALB, now() + 60);
    other["client"] = json!("client-2");
    assert!(matches!(
        alb.verify(&signer.token(&other, &claims)).await,
        Err(JwtError::WrongClient)
    ));
}

/// The header through the in-handler layer: 200 with the caller, 401 for a
/// forged or missing header.
#[cfg(feature = "bearer")]
#[tokio::test]
async fn the_bearer_layer_reads_the_alb_header() {
    use lambda_http::tower::{Layer as _, ServiceExt as _, service_fn};
    use lambda_http::{Body, Request, Response};
    use secure_serverless::authorizer::RouteTable;
    use secure_serverless::bearer::{BearerAuth, Caller};

    let signer = Signer::new();
    let (_server, alb) = endpoint(&signer).await;
    let routes = RouteTable::new().route("GET", "/me", ["openid"]);
    let auth = BearerAuth::behind_alb(alb, routes, "internal").unwrap();
    let call = |value: Option<String>| {
        let auth = auth.clone();
        async move {
            let mut b = lambda_http::http::Request::builder()
                .method("GET")
                .uri("/me");
            if let Some(v) = value {
                b = b.header("x-amzn-oidc-data", v);
            }
            let req: Request = b.body(Body::Empty).unwrap();
            let handler = service_fn(|req: Request| async move {
                let who = req
                    .extensions()
                    .get::<Caller>()
                    .unwrap()
                    .subject()
                    .to_owned();
                Ok::<_, std::convert::Infallible>(Response::new(Body::Text(who)))
            });
            auth.layer(handler).oneshot(req).await.unwrap()
        }
    };
    let claims = json!({"sub": "user-42", "scope": "openid email", "exp": now() + 60});
    let ok = call(Some(signer.token(&header(KID, ALB, now() + 60), &claims))).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body(), &Body::Text("user-42".into()));
    let forged = call(Some(
        Signer::new().token(&header(KID, ALB, now() + 60), &claims),
    ))
    .await;
    assert_eq!(forged.status(), 401);
    assert_eq!(call(None).await.status(), 401);
}
