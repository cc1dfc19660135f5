//! The whole secure-serverless API on one machine, on loopback, behind
//! every front door the functions support:
//!
//! ```text
//! client --> edge listener (CloudFront + WAF)     --> API listener (API Gateway REST)   --> functions
//!            Tor exit list: 403                            identity sources: 401                 writer (POST /log)
//!            rate-based rule: 429                          REQUEST authorizer + policy eval      reader (GET /stats)
//!            adds X-Origin-Verify, XFF, Via                cache per identity values (TTL)       DynamoDB Local
//! client --> HTTP API listener (payload 2.0), Lambda authorizer: simple responses, cache keyed by token + route key
//! client --> HTTP API listener (payload 2.0), JWT authorizer: issuer, audience, scopes per route
//! client --> Function URL listeners (auth type NONE): one per function, the function verifies the token
//! client --> WebSocket API listener: the $connect handshake, a Lambda REQUEST authorizer (no cache)
//! ```
//!
//! The functions and the authorizer are the very code the Lambda binaries
//! run, and every function is invoked with the event's JSON through the
//! same edge (`secure_serverless::apigw::Edge`). The listeners reproduce
//! the behaviour documented for CloudFront, AWS WAF, API Gateway (REST and
//! HTTP APIs, WebSocket `$connect`) and Function URLs (see [`api`],
//! [`httpapi`], [`websocket`] and [`functionurl`] for their tables of
//! answers, each with its source). A
//! local token issuer (HS256, a random key per run) stands in for Cognito:
//! [`Stack::token`] mints tokens with the scopes you ask for.
#![forbid(unsafe_code)]

pub mod api;
pub mod bounded;
pub mod edge;
pub mod functionurl;
pub mod http;
pub mod httpapi;
pub mod integration;
pub mod payload;
pub mod waf;
pub mod websocket;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hyper::header::HeaderName;
use secure_serverless::authorizer::{Authorizer as Decider, HttpApiResponses, SimpleCaching};
use secure_serverless::cursor::CursorKey;
use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
use secure_serverless::logs::{LogStore, LogStoreConfig};
use secure_serverless::repository::Repository;
use secure_serverless::secret_source::{AnySource, CachedSecrets, FileSource};
use secure_serverless::{BearerAuth, RouteTable};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::api::{Api, ApiIdentity};
use crate::edge::Edge;
use crate::functionurl::FunctionUrl;
use crate::httpapi::{HttpApi, HttpApiAuth, IdentitySource};
use crate::integration::{Function, Integration};
use crate::waf::{IpBlockList, RateLimiter};
use crate::websocket::WebSocketApi;

/// A boxed error for start-up failures.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The local issuer's `iss`.
pub const ISSUER: &str = "https://local-issuer.secure-serverless.invalid";
/// The local issuer's `aud`.
pub const AUDIENCE: &str = "logs-api";
/// The origin header CloudFront adds.
pub const ORIGIN_HEADER: &str = "x-origin-verify";

/// Everything the stack can be told; [`Config::default`] is what `make run`
/// uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Edge (CloudFront) listener; port 0 picks a free one.
    pub edge_addr: SocketAddr,
    /// API (API Gateway) listener; port 0 picks a free one.
    pub api_addr: SocketAddr,
    /// HTTP API listener with a Lambda authorizer (simple responses,
    /// cache keyed by token and route key); port 0 picks a free one.
    pub http_api_addr: SocketAddr,
    /// HTTP API listener with the built-in JWT authorizer.
    pub http_api_jwt_addr: SocketAddr,
    /// The writer's Function URL (auth type `NONE`, bearer check in the function).
    pub function_url_writer_addr: SocketAddr,
    /// The reader's Function URL.
    pub function_url_reader_addr: SocketAddr,
    /// WebSocket API listener (the `$connect` handshake and its authorizer).
    pub websocket_addr: SocketAddr,
    /// The DynamoDB table, created if missing.
    pub table: String,
    /// Tor exit lists (one address per line).
    pub block_lists: Vec<PathBuf>,
    /// Requests per address per `rate_window`; 0 turns the rule off.
    pub rate_limit: usize,
    /// The rate-based rule's window.
    pub rate_window: Duration,
    /// API Gateway's authorizer cache TTL (deployed: 300 s); 0 disables it.
    pub authorizer_cache_ttl: Duration,
    /// How long the authorizer keeps the origin secret before re-reading it.
    pub secret_cache_ttl: Duration,
    /// Where the origin secret file lives (first line current, second
    /// previous). `None` (the default): a new directory that only this user
    /// can open, with a name no one can predict, removed at shutdown. A
    /// directory given here must exist, belong to this user and be closed to
    /// everyone else (mode `0700`), or the stack refuses to start.
    pub state_dir: Option<PathBuf>,
    /// Require a bearer JWT (`Authorization`) as well as the origin secret.
    pub require_jwt: bool,
    /// Log shards of the table design.
    pub log_shards: u8,
    /// How long a reader's `next_cursor` stays valid.
    pub cursor_ttl: Duration,
    /// The REST API's authorizer: `REQUEST` (default: the origin secret and
    /// the token) or `TOKEN` (the token alone; no origin-secret check).
    pub rest_token_authorizer: bool,
    /// The HTTP API Lambda authorizer's payload format and answers.
    pub http_api_authorizer: HttpApiAuthorizer,
    /// Scopes to routes, for every door: the REST and HTTP API authorizers,
    /// the JWT authorizer's route scopes, the Function URLs' bearer check.
    pub routes: RouteTable,
}

impl Default for Config {
    fn default() -> Self {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Config {
            edge_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api_addr: SocketAddr::from(([127, 0, 0, 1], 8081)),
            http_api_addr: SocketAddr::from(([127, 0, 0, 1], 8082)),
            http_api_jwt_addr: SocketAddr::from(([127, 0, 0, 1], 8083)),
            function_url_writer_addr: SocketAddr::from(([127, 0, 0, 1], 8084)),
            function_url_reader_addr: SocketAddr::from(([127, 0, 0, 1], 8085)),
            websocket_addr: SocketAddr::from(([127, 0, 0, 1], 8086)),
            table: "secure-serverless-logs".into(),
            block_lists: vec![
                here.join("tor-exit-sample.txt"),
                here.join("local-blocklist.txt"),
            ],
            rate_limit: 1000,
            rate_window: Duration::from_secs(300),
            authorizer_cache_ttl: Duration::from_secs(300),
            secret_cache_ttl: Duration::from_secs(1),
            state_dir: None,
            require_jwt: true,
            log_shards: 8,
            cursor_ttl: secure_serverless::cursor::DEFAULT_CURSOR_TTL,
            routes: authorizer::routes(),
            rest_token_authorizer: false,
            http_api_authorizer: HttpApiAuthorizer::SimpleByRoute,
        }
    }
}

/// How the HTTP API's Lambda authorizer is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpApiAuthorizer {
    /// Payload 2.0, simple responses, identity sources the token and the
    /// route key (last): the cache keeps routes apart.
    SimpleByRoute,
    /// Payload 2.0, IAM policies over every route, identity source the token:
    /// one cached answer serves every route, rightly.
    PolicyV2,
    /// Payload 1.0 (the REST `REQUEST` shape), IAM policies, identity source
    /// the token.
    PolicyV1,
}

fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("the OS random source works");
    hex::encode(b)
}

/// The running stack.
pub struct Stack {
    /// Where the edge listens.
    pub edge: SocketAddr,
    /// Where the API listens.
    pub api: SocketAddr,
    /// Where the HTTP API with the Lambda authorizer listens.
    pub http_api: SocketAddr,
    /// Where the HTTP API with the JWT authorizer listens.
    pub http_api_jwt: SocketAddr,
    /// The writer's Function URL.
    pub function_url_writer: SocketAddr,
    /// The reader's Function URL.
    pub function_url_reader: SocketAddr,
    /// The WebSocket API (`$connect`).
    pub websocket: SocketAddr,
    /// The log store (tests count records through it).
    pub store: LogStore,
    signing_key: [u8; 32],
    secret_file: PathBuf,
    secret_cache_ttl: Duration,
    origin_secret: Arc<RwLock<String>>,
    rotation: Mutex<()>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    api_state: Arc<Api>,
    http_api_state: Arc<HttpApi>,
    // Removed (with the secret file) when the stack is dropped.
    _state_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The origin secret and the token-signing key stay out of Debug.
        f.debug_struct("Stack")
            .field("edge", &self.edge)
            .field("api", &self.api)
            .field("store", &self.store)
            .field("secret_file", &self.secret_file)
            .field("signing_key", &"<redacted>")
            .field("origin_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A private state directory: the caller's, checked, or a new one.
fn state_dir(
    given: Option<&std::path::Path>,
) -> Result<(PathBuf, Option<tempfile::TempDir>), Error> {
    match given {
        None => {
            // A random name, created (never reused) with mode 0700.
            let mut builder = tempfile::Builder::new();
            builder.prefix("secure-serverless-local-");
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
            let dir = builder.tempdir()?;
            Ok((dir.path().to_owned(), Some(dir)))
        }
        Some(dir) => {
            let meta = std::fs::symlink_metadata(dir)
                .map_err(|e| format!("state directory {}: {e}", dir.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt as _;
                let me = current_uid()?;
                if !meta.is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
                    return Err(format!(
                        "state directory {} must be a directory of this user with mode 0700",
                        dir.display()
                    )
                    .into());
                }
            }
            #[cfg(not(unix))]
            if !meta.is_dir() {
                return Err(format!("state directory {} is not a directory", dir.display()).into());
            }
            Ok((dir.to_owned(), None))
        }
    }
}

/// This process's user id, read from a file it has just created (no libc
/// call, so no `unsafe`).
#[cfg(unix)]
fn current_uid() -> std::io::Result<u32> {
    use std::os::unix::fs::MetadataExt as _;
    Ok(tempfile::tempfile()?.metadata()?.uid())
}

impl Stack {
    /// Creates the table if missing, writes a fresh origin secret, binds
    /// every listener and starts serving.
    ///
    /// # Errors
    /// An unreadable block list, an unusable state dir, a port in use, or
    /// DynamoDB not answering.
    pub async fn start(config: Config, client: aws_sdk_dynamodb::Client) -> Result<Stack, Error> {
        let blocked = IpBlockList::from_files(&config.block_lists)?;
        let (dir, state_dir_guard) = state_dir(config.state_dir.as_deref())?;
        let secret_file = dir.join(format!(
            "origin-secret-{}-{}",
            std::process::id(),
            random_token(8)
        ));
        let secret = random_token(32);
        write_secret_file(&secret_file, &secret, None)?;

        let cursor_key = CursorKey::new(random_token(32).as_bytes())?.with_ttl(config.cursor_ttl);
        let store = LogStore::new(
            Repository::new(client, config.table.clone()),
            LogStoreConfig {
                shards: config.log_shards,
                ..LogStoreConfig::default()
            },
        );
        store.create_table().await?;

        let mut signing_key = [0u8; 32];
        getrandom::fill(&mut signing_key)?;
        let secrets = CachedSecrets::new(
            AnySource::File(FileSource::new(secret_file.clone())),
            config.secret_cache_ttl,
        );
        let decider = Decider::builder(config.routes.clone(), secrets).origin_header(ORIGIN_HEADER);
        // The local issuer's tokens, as every door checks them.
        let local_verifier = || -> Result<JwtVerifier, Error> {
            let keys = KeySet::new().with_hmac("local", &signing_key)?;
            Ok(JwtVerifier::new(JwtConfig::new(ISSUER, [AUDIENCE])?, keys))
        };
        let decider = if config.rest_token_authorizer {
            // A TOKEN event carries no other header: the token alone decides.
            Decider::jwt_only(config.routes.clone()).jwt(local_verifier()?)
        } else if config.require_jwt {
            decider.jwt(local_verifier()?)
        } else {
            decider.origin_secret_only()
        }
        .build()?;
        let identity_sources = if config.rest_token_authorizer {
            vec![HeaderName::from_static("authorization")]
        } else if config.require_jwt {
            vec![
                HeaderName::from_static(ORIGIN_HEADER),
                HeaderName::from_static("authorization"),
            ]
        } else {
            vec![HeaderName::from_static(ORIGIN_HEADER)]
        };

        let writer_fn = Arc::new(writer::Writer::new(
            store.clone(),
            secure_serverless::log_entry::DEFAULT_MAX_PAYLOAD_BYTES,
        ));
        let reader_fn = Arc::new(reader::Reader::new(store.clone(), cursor_key));
        let api_listener = TcpListener::bind(config.api_addr).await?;
        let edge_listener = TcpListener::bind(config.edge_addr).await?;
        let (api_addr, edge_addr) = (api_listener.local_addr()?, edge_listener.local_addr()?);
        let api = Arc::new(Api {
            identity: ApiIdentity {
                region: "local".into(),
                account: "000000000000".into(),
                api_id: "localapi01".into(),
                stage: "prod".into(),
            },
            routes: vec![
                (
                    "POST",
                    "/log",
                    Integration::new(Function::Writer(Arc::clone(&writer_fn))),
                ),
                (
                    "GET",
                    "/stats",
                    Integration::new(Function::Reader(Arc::clone(&reader_fn))),
                ),
            ],
            authorizer: Arc::new(authorizer::Authorizer::new(decider)),
            token_authorizer: config.rest_token_authorizer,
            identity_sources,
            cache_ttl: config.authorizer_cache_ttl,
            cache: Mutex::default(),
        });
        // HTTP API: a Lambda authorizer answering simple responses, its cache
        // keyed by the token and the route key (last, as the authorizer
        // requires); and one with the built-in JWT authorizer.
        let http_routes = || {
            vec![
                (
                    "POST /log",
                    Integration::new(Function::Writer(Arc::clone(&writer_fn))),
                ),
                (
                    "GET /stats",
                    Integration::new(Function::Reader(Arc::clone(&reader_fn))),
                ),
            ]
        };
        let (responses, payload, http_sources) = match config.http_api_authorizer {
            HttpApiAuthorizer::SimpleByRoute => (
                HttpApiResponses::Simple(SimpleCaching::KeyedByRoute),
                "2.0",
                vec![
                    IdentitySource::Header("authorization"),
                    IdentitySource::RouteKey,
                ],
            ),
            HttpApiAuthorizer::PolicyV2 => (
                HttpApiResponses::Policy,
                "2.0",
                vec![IdentitySource::Header("authorization")],
            ),
            HttpApiAuthorizer::PolicyV1 => (
                HttpApiResponses::Policy,
                "1.0",
                vec![IdentitySource::Header("authorization")],
            ),
        };
        let http_decider = Decider::jwt_only(config.routes.clone())
            .jwt(local_verifier()?)
            .http_api_responses(responses)
            .build()?;
        let http_api = Arc::new(HttpApi {
            api_id: "localhttp1".into(),
            routes: http_routes(),
            auth: HttpApiAuth::Lambda {
                authorizer: Arc::new(authorizer::Authorizer::new(http_decider)),
                payload,
                simple: config.http_api_authorizer == HttpApiAuthorizer::SimpleByRoute,
                identity_sources: http_sources,
                cache_ttl: config.authorizer_cache_ttl,
                cache: Mutex::default(),
            },
        });
        let http_api_jwt = Arc::new(HttpApi {
            api_id: "localhttp2".into(),
            routes: http_routes(),
            auth: HttpApiAuth::Jwt {
                verifier: local_verifier()?,
                scopes: config.routes.clone(),
            },
        });
        // Function URLs: nothing in front, the functions verify the token.
        let function_url = |id: &str, function, routes| -> Result<Arc<FunctionUrl>, Error> {
            let auth = BearerAuth::verifying(local_verifier()?, routes, "logs-api")?;
            Ok(Arc::new(FunctionUrl {
                url_id: id.to_owned(),
                integration: Integration::with_bearer(function, auth),
            }))
        };
        let url_writer = function_url(
            "localwriterurl",
            Function::Writer(Arc::clone(&writer_fn)),
            config.routes.clone(),
        )?;
        let url_reader = function_url(
            "localreaderurl",
            Function::Reader(Arc::clone(&reader_fn)),
            config.routes.clone(),
        )?;
        let http_api_listener = TcpListener::bind(config.http_api_addr).await?;
        let http_api_jwt_listener = TcpListener::bind(config.http_api_jwt_addr).await?;
        let url_writer_listener = TcpListener::bind(config.function_url_writer_addr).await?;
        let url_reader_listener = TcpListener::bind(config.function_url_reader_addr).await?;
        let websocket_listener = TcpListener::bind(config.websocket_addr).await?;
        let websocket = Arc::new(WebSocketApi {
            api_id: "localws0001".into(),
            stage: "production".into(),
            authorizer: Arc::new(authorizer::Authorizer::new(
                Decider::jwt_only(config.routes.clone())
                    .jwt(local_verifier()?)
                    .build()?,
            )),
        });
        let origin_secret = Arc::new(RwLock::new(secret));
        let edge = Arc::new(Edge {
            api: api_addr,
            blocked,
            rate: RateLimiter::new(config.rate_limit, config.rate_window),
            origin_header: HeaderName::from_static(ORIGIN_HEADER),
            origin_secret: Arc::clone(&origin_secret),
        });

        let (shutdown, stop) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let api_state = Arc::clone(&api);
        let api_handler = Arc::new(move |req, peer| {
            let api = Arc::clone(&api);
            async move { api.handle(req, peer).await }
        });
        tasks.spawn(http::serve(api_listener, api_handler, stop.clone()));
        let edge_handler = Arc::new(move |req, peer| {
            let edge = Arc::clone(&edge);
            async move { edge.handle(req, peer).await }
        });
        let http_api_state = Arc::clone(&http_api);
        let addrs = (
            http_api_listener.local_addr()?,
            http_api_jwt_listener.local_addr()?,
            url_writer_listener.local_addr()?,
            url_reader_listener.local_addr()?,
            websocket_listener.local_addr()?,
        );
        let websocket_handler = Arc::new(move |req, peer| {
            let ws = Arc::clone(&websocket);
            async move { ws.handle(req, peer).await }
        });
        tasks.spawn(http::serve(
            websocket_listener,
            websocket_handler,
            stop.clone(),
        ));
        for (listener, api) in [
            (http_api_listener, http_api),
            (http_api_jwt_listener, http_api_jwt),
        ] {
            let handler = Arc::new(move |req, peer| {
                let api = Arc::clone(&api);
                async move { api.handle(req, peer).await }
            });
            tasks.spawn(http::serve(listener, handler, stop.clone()));
        }
        for (listener, url) in [
            (url_writer_listener, url_writer),
            (url_reader_listener, url_reader),
        ] {
            let handler = Arc::new(move |req, peer| {
                let url = Arc::clone(&url);
                async move { url.handle(req, peer).await }
            });
            tasks.spawn(http::serve(listener, handler, stop.clone()));
        }
        tasks.spawn(http::serve(edge_listener, edge_handler, stop));
        Ok(Stack {
            edge: edge_addr,
            api: api_addr,
            http_api: addrs.0,
            http_api_jwt: addrs.1,
            function_url_writer: addrs.2,
            function_url_reader: addrs.3,
            websocket: addrs.4,
            store,
            signing_key,
            secret_file,
            secret_cache_ttl: config.secret_cache_ttl,
            origin_secret,
            rotation: Mutex::new(()),
            shutdown,
            tasks,
            api_state,
            http_api_state,
            _state_dir: state_dir_guard,
        })
    }

    /// A bearer token from the local issuer for `subject` with `scopes`
    /// (for example `logs:write`), valid for an hour.
    pub fn token(&self, subject: &str, scopes: &[&str]) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("local".into());
        let claims = serde_json::json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": subject,
            "scope": scopes.join(" "), "iat": now, "exp": now + 3600,
        });
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&self.signing_key),
        )
        .expect("HS256 signing cannot fail")
    }

    /// The private directory that holds the origin secret file.
    pub fn state_dir(&self) -> &std::path::Path {
        self.secret_file
            .parent()
            .expect("the secret file is inside the state directory")
    }

    /// How many decisions the API listener's authorizer cache holds.
    pub fn authorizer_cache_entries(&self) -> usize {
        self.api_state
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// How many decisions the HTTP API's Lambda authorizer cache holds.
    pub fn http_api_cache_entries(&self) -> usize {
        self.http_api_state.cache_entries()
    }

    /// The origin secret the edge currently sends.
    pub fn origin_secret(&self) -> String {
        self.origin_secret
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Rotates the origin secret the way the rotator Lambda does: the new
    /// value becomes current and the old one previous in the secret store,
    /// then (once the authorizer's secret cache has expired) the edge starts
    /// sending the new value. Returns the new value.
    ///
    /// # Errors
    /// The secret file cannot be written.
    pub async fn rotate_origin_secret(&self) -> std::io::Result<String> {
        let new = random_token(32);
        {
            let _g = self.rotation.lock().unwrap_or_else(|p| p.into_inner());
            let old = self.origin_secret();
            write_secret_file(&self.secret_file, &new, Some(&old))?;
        }
        tokio::time::sleep(self.secret_cache_ttl + Duration::from_millis(50)).await;
        *self
            .origin_secret
            .write()
            .unwrap_or_else(|p| p.into_inner()) = new.clone();
        Ok(new)
    }

    /// Ends a rotation: the previous secret is no longer accepted (after the
    /// authorizer's secret cache TTL).
    ///
    /// # Errors
    /// The secret file cannot be written.
    pub async fn retire_previous_secret(&self) -> std::io::Result<()> {
        {
            let _g = self.rotation.lock().unwrap_or_else(|p| p.into_inner());
            write_secret_file(&self.secret_file, &self.origin_secret(), None)?;
        }
        tokio::time::sleep(self.secret_cache_ttl + Duration::from_millis(50)).await;
        Ok(())
    }

    /// Replaces the secret store's content with `text` (fault tests: an
    /// unreadable or empty secret makes the authorizer fail).
    ///
    /// # Errors
    /// The file cannot be written.
    pub async fn corrupt_secret_store(&self, text: &str) -> std::io::Result<()> {
        std::fs::write(&self.secret_file, text)?;
        tokio::time::sleep(self.secret_cache_ttl + Duration::from_millis(50)).await;
        Ok(())
    }

    /// Stops accepting, lets requests in flight finish, removes the secret file.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
        let _ = std::fs::remove_file(&self.secret_file);
    }
}

fn write_secret_file(
    path: &std::path::Path,
    current: &str,
    previous: Option<&str>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    writeln!(f, "{current}")?;
    if let Some(p) = previous {
        writeln!(f, "{p}")?;
    }
    f.sync_all()?;
    std::fs::rename(tmp, path)
}
