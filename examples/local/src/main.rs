//! `make run`: the whole stack on loopback, until Ctrl-C.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use local_stack::{Config, Error, Stack};

/// The secure-serverless logging API on this machine behind every front
/// door: a CloudFront + WAF edge and API Gateway REST, HTTP APIs with a Lambda
/// or the JWT authorizer, Function URLs, a WebSocket API's `$connect`; the
/// Lambda functions; DynamoDB Local (from AWS_ENDPOINT_URL_DYNAMODB; `make
/// run` starts one).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Edge (CloudFront + WAF) listener.
    #[arg(long, env = "EDGE_ADDR", default_value = "127.0.0.1:8080")]
    edge: SocketAddr,
    /// API Gateway listener.
    #[arg(long, env = "API_ADDR", default_value = "127.0.0.1:8081")]
    api: SocketAddr,
    /// HTTP API listener, Lambda authorizer (simple responses).
    #[arg(long, env = "HTTP_API_ADDR", default_value = "127.0.0.1:8082")]
    http_api: SocketAddr,
    /// HTTP API listener, JWT authorizer.
    #[arg(long, env = "HTTP_API_JWT_ADDR", default_value = "127.0.0.1:8083")]
    http_api_jwt: SocketAddr,
    /// The writer's Function URL.
    #[arg(
        long,
        env = "FUNCTION_URL_WRITER_ADDR",
        default_value = "127.0.0.1:8084"
    )]
    function_url_writer: SocketAddr,
    /// The reader's Function URL.
    #[arg(
        long,
        env = "FUNCTION_URL_READER_ADDR",
        default_value = "127.0.0.1:8085"
    )]
    function_url_reader: SocketAddr,
    /// WebSocket API listener (the `$connect` handshake).
    #[arg(long, env = "WEBSOCKET_ADDR", default_value = "127.0.0.1:8086")]
    websocket: SocketAddr,
    /// DynamoDB table (created if missing).
    #[arg(long, env = "TABLE_NAME", default_value = "secure-serverless-logs")]
    table: String,
    /// Tor exit lists, one address per line (repeatable; default: the
    /// shipped sample plus local-blocklist.txt, which lists 127.0.0.66).
    #[arg(long = "block-list", env = "BLOCK_LISTS", value_delimiter = ',')]
    block_lists: Vec<PathBuf>,
    /// Requests per client address per --rate-window-seconds (0 = off).
    #[arg(long, env = "RATE_LIMIT", default_value_t = 1000)]
    rate_limit: usize,
    /// The rate rule's window.
    #[arg(long, env = "RATE_WINDOW_SECONDS", default_value_t = 300)]
    rate_window_seconds: u64,
    /// API Gateway authorizer cache TTL (0 = off).
    #[arg(long, env = "AUTHORIZER_CACHE_TTL_SECONDS", default_value_t = 300)]
    authorizer_cache_ttl_seconds: u64,
    /// Origin-secret checks only, no bearer JWT (the seed's design).
    #[arg(long, env = "NO_JWT")]
    no_jwt: bool,
    /// Once listening, write the addresses and two tokens here as JSON
    /// (`edge`, `api`, `http_api`, `http_api_jwt`, `function_url_writer`,
    /// `function_url_reader`, `websocket`, `write_token`, `read_token`; mode
    /// 0600) for scripts
    /// such as the load bench. The file is replaced, never appended to.
    #[arg(long, env = "READY_FILE")]
    ready_file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = Config {
        edge_addr: args.edge,
        api_addr: args.api,
        http_api_addr: args.http_api,
        http_api_jwt_addr: args.http_api_jwt,
        function_url_writer_addr: args.function_url_writer,
        function_url_reader_addr: args.function_url_reader,
        websocket_addr: args.websocket,
        table: args.table,
        rate_limit: args.rate_limit,
        rate_window: Duration::from_secs(args.rate_window_seconds),
        authorizer_cache_ttl: Duration::from_secs(args.authorizer_cache_ttl_seconds),
        require_jwt: !args.no_jwt,
        ..Config::default()
    };
    if !args.block_lists.is_empty() {
        config.block_lists = args.block_lists;
    }
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_none() {
        return Err(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: start the stack with `make run`, \
                    which starts DynamoDB Local and sets it"
                .into(),
        );
    }
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = secure_serverless::repository::handler_client(
        &sdk,
        &secure_serverless::repository::TrustRoots::default(),
    );
    let stack = Stack::start(config.clone(), client).await?;
    let (edge, api) = (stack.edge, stack.api);
    let writer = stack.token("local-writer", &["logs:write"]);
    let reader = stack.token("local-reader", &["logs:read"]);
    if let Some(path) = &args.ready_file {
        write_ready_file(path, &stack, &writer, &reader)?;
    }
    let (hl, hj, uw, ur, ws) = (
        stack.http_api,
        stack.http_api_jwt,
        stack.function_url_writer,
        stack.function_url_reader,
        stack.websocket,
    );
    println!(
        r#"
secure-serverless local stack
  edge (CloudFront + WAF) -> API Gateway REST:  http://{edge}   (the REST API alone: http://{api})
  HTTP API, Lambda authorizer:                   http://{hl}
  HTTP API, JWT authorizer:                      http://{hj}
  Function URLs (the function checks the token): writer http://{uw}, reader http://{ur}
  WebSocket API ($connect, a logs:read token):   ws://{ws}
  table: {table}   authorizer cache: {ttl} s   rate limit: {rate} per {win} s

Try it (tokens from the local issuer, valid 1 h):
  export WRITE_TOKEN={writer}
  export READ_TOKEN={reader}
  BODY='{{"type":"audit","payload":"<b>hi</b><script>alert(1)</script>"}}'

  # one write and one read per front door
  curl -s -X POST -H "Authorization: Bearer $WRITE_TOKEN" -H 'Content-Type: application/json' -d "$BODY" http://{edge}/log
  curl -s -H "Authorization: Bearer $READ_TOKEN" http://{edge}/stats
  curl -s -X POST -H "Authorization: Bearer $WRITE_TOKEN" -H 'Content-Type: application/json' -d "$BODY" http://{hl}/log
  curl -s -H "Authorization: Bearer $READ_TOKEN" http://{hl}/stats
  curl -s -X POST -H "Authorization: Bearer $WRITE_TOKEN" -H 'Content-Type: application/json' -d "$BODY" http://{hj}/log
  curl -s -H "Authorization: Bearer $READ_TOKEN" http://{hj}/stats
  curl -s -X POST -H "Authorization: Bearer $WRITE_TOKEN" -H 'Content-Type: application/json' -d "$BODY" http://{uw}/log
  curl -s -H "Authorization: Bearer $READ_TOKEN" http://{ur}/stats

  curl -si -H "Authorization: Bearer $READ_TOKEN" -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
       -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Sec-WebSocket-Version: 13' http://{ws}/ | head -1   # 101
  curl -s http://{api}/stats                          # the REST API directly: {{"message":"Unauthorized"}}
  curl -s --interface 127.0.0.66 http://{edge}/stats   # a listed Tor exit: 403

Ctrl-C stops the stack.
"#,
        table = config.table,
        ttl = config.authorizer_cache_ttl.as_secs(),
        rate = config.rate_limit,
        win = config.rate_window.as_secs(),
    );
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    stack.shutdown().await;
    Ok(())
}

/// Writes the ready file: a sibling temporary file, mode 0600, renamed over
/// `path`, so a reader sees the whole file or none.
fn write_ready_file(
    path: &std::path::Path,
    stack: &Stack,
    write_token: &str,
    read_token: &str,
) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let body = serde_json::json!({
        "edge": stack.edge.to_string(),
        "api": stack.api.to_string(),
        "http_api": stack.http_api.to_string(),
        "http_api_jwt": stack.http_api_jwt.to_string(),
        "function_url_writer": stack.function_url_writer.to_string(),
        "function_url_reader": stack.function_url_reader.to_string(),
        "websocket": stack.websocket.to_string(),
        "write_token": write_token,
        "read_token": read_token,
    });
    let tmp = path.with_extension("partial");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(body.to_string().as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
