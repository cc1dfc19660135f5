//! A Lambda function run the way AWS runs it, on loopback: the function's own
//! binary polls a Lambda Runtime API served by `cargo lambda watch
//! --only-lambda-apis`, and events go in through `cargo lambda invoke`, the
//! tool users run by hand. Both processes are killed (by PID) when the
//! [`LambdaProcess`] is dropped, also when the test fails.
//!
//! `cargo-lambda` comes from `tools/requirements.txt`; `make test` installs
//! it into `.venv/lambda` and puts it on `PATH`.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to install the tool, named in every failure.
pub const HOW_TO_GET_CARGO_LAMBDA: &str = "cargo-lambda is not on PATH: run `make test` \
(it installs tools/requirements.txt into .venv/lambda), or \
`python3 -m venv .venv/lambda && .venv/lambda/bin/pip install -r tools/requirements.txt` \
and add .venv/lambda/bin to PATH";

fn cargo_lambda() -> PathBuf {
    if let Some(p) = std::env::var_os("CARGO_LAMBDA") {
        return PathBuf::from(p);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("cargo-lambda"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{HOW_TO_GET_CARGO_LAMBDA}"))
}

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cargo lambda watch` on a free port and waits until it listens and
/// is still running a moment later (a connect to a port nobody listens on
/// can, rarely, succeed by connecting to itself; the server then fails to
/// bind and exits). `None`: try another port.
fn start_runtime_api(tool: &Path) -> Option<(Killed, u16)> {
    let port = free_port();
    let child = Command::new(tool)
        .args(["lambda", "watch", "--only-lambda-apis", "--quiet", "-A"])
        .arg("127.0.0.1")
        .arg("-P")
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}: {HOW_TO_GET_CARGO_LAMBDA}", tool.display()));
    let mut runtime_api = Killed(child);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not listen on {addr} within 30 s"
        );
        if let Ok(Some(_)) = runtime_api.0.try_wait() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(100));
    let alive = matches!(runtime_api.0.try_wait(), Ok(None));
    (alive && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok())
        .then_some((runtime_api, port))
}

/// A function binary attached to a local Lambda Runtime API.
pub struct LambdaProcess {
    // Field order is drop order: the function first, then the API server.
    function: Killed,
    _runtime_api: Killed,
    port: u16,
    tool: PathBuf,
}

/// What `cargo lambda invoke` printed.
#[derive(Debug)]
pub struct Invocation {
    /// Whether the tool exited with success (a function error does not).
    pub success: bool,
    /// Standard output: the function's response on success.
    pub stdout: String,
    /// Standard error: the function's error on failure.
    pub stderr: String,
}

impl LambdaProcess {
    /// Starts the Runtime API and `binary` (for example
    /// `env!("CARGO_BIN_EXE_authorizer")`) with the Lambda variables plus
    /// `env`, and waits until both listen.
    ///
    /// # Panics
    /// When cargo-lambda is missing (the message says how to install it) or a
    /// process does not start.
    pub fn start(binary: impl AsRef<Path>, env: &[(&str, &str)]) -> Self {
        Self::spawn(binary.as_ref(), env, None)
    }

    /// [`start`](Self::start), with the function's standard output and error
    /// both written to `log` (read it with [`output`](Self::output)).
    pub fn start_logged(binary: impl AsRef<Path>, env: &[(&str, &str)], log: &Path) -> Self {
        Self::spawn(binary.as_ref(), env, Some(log))
    }

    /// Everything the function wrote so far, when started with
    /// [`start_logged`](Self::start_logged).
    pub fn output(log: &Path) -> String {
        String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned()
    }

    /// Waits up to `timeout` for the function to exit (an init failure);
    /// `None` when it is still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.function.0.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn spawn(binary: &Path, env: &[(&str, &str)], log: Option<&Path>) -> Self {
        let tool = cargo_lambda();
        // Tests of one binary start functions in parallel threads: a port that
        // one test picked and released could be picked again by another before
        // its runtime API binds it, and two functions would then share one
        // runtime API. Starts are serialised until the port is bound.
        static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let starting = STARTING.lock().unwrap_or_else(|p| p.into_inner());
        let (runtime_api, port) = (0..3)
            .find_map(|_| start_runtime_api(&tool))
            .expect("cargo lambda watch did not keep listening on any of 3 ports");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        drop(starting);
        let mut command = Command::new(binary);
        command
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://{addr}/.rt"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .envs(env.iter().copied())
            .stdin(Stdio::null());
        if let Some(log) = log {
            let file =
                std::fs::File::create(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
            let err = file.try_clone().expect("a second handle on the log file");
            command.stdout(file).stderr(err);
        }
        let function = command
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        LambdaProcess {
            function: Killed(function),
            _runtime_api: runtime_api,
            port,
            tool,
        }
    }

    /// Sends the event in `event_file` with `cargo lambda invoke --data-file`.
    pub fn invoke_file(&mut self, event_file: impl AsRef<Path>) -> Invocation {
        self.invoke_args(&["--data-file".as_ref(), event_file.as_ref().as_os_str()])
    }

    /// Sends `event` (JSON text) with `cargo lambda invoke --data-ascii`.
    pub fn invoke_json(&mut self, event: &str) -> Invocation {
        self.invoke_args(&["--data-ascii".as_ref(), event.as_ref()])
    }

    fn invoke_args(&mut self, data: &[&std::ffi::OsStr]) -> Invocation {
        if let Ok(Some(status)) = self.function.0.try_wait() {
            panic!("the function exited before the invocation: {status}");
        }
        let out = Command::new(&self.tool)
            .args(["lambda", "invoke", "-A", "127.0.0.1", "-P"])
            .arg(self.port.to_string())
            .args(data)
            .stdin(Stdio::null())
            .output()
            .expect("cargo lambda invoke runs");
        Invocation {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
