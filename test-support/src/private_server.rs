//! A DynamoDB Local of a test's own, backed by files (`-dbPath`), so that it
//! can be killed and restarted with its data intact: the "storage crashed
//! and came back" fault. Uses the same jar `scripts/with-dynamodb-local`
//! found (`DYNAMODB_LOCAL_LIB`); killed (by PID) on drop.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;

use crate::HOW_TO_RUN;

/// A private, persistent DynamoDB Local.
pub struct PrivateDynamoDb {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    lib: PathBuf,
}

impl PrivateDynamoDb {
    /// Starts a server on a free loopback port with an empty data directory.
    ///
    /// # Panics
    /// Outside `scripts/with-dynamodb-local` (the message names the command),
    /// or when the server does not answer within 90 s.
    pub fn start() -> Self {
        let lib = std::env::var_os("DYNAMODB_LOCAL_LIB")
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("DYNAMODB_LOCAL_LIB is not set: {HOW_TO_RUN}"));
        let port = crate::lambda::free_port();
        let dir = std::env::temp_dir().join(format!("ddb-private-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a data directory");
        let mut s = PrivateDynamoDb {
            child: None,
            port,
            dir,
            lib,
        };
        s.resume_service();
        s
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An SDK configuration for this server (region and credentials from
    /// the environment, as for the shared server).
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .load()
            .await
    }

    /// A client for this server.
    pub async fn client(&self) -> Client {
        Client::new(&self.sdk_config().await)
    }

    /// Stops the server (SIGTERM, as a service manager does) and waits for
    /// it to exit. SIGKILL is not used: DynamoDB Local on `-dbPath` can lose
    /// a write it acknowledged when killed outright (seen in our fault test;
    /// DynamoDB itself is durable), which would test the emulator, not us.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections hang, nothing is lost.
    pub fn pause(&self) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg("-STOP")
                .arg(c.id().to_string())
                .status();
        }
    }

    /// Thaws a paused server (SIGCONT).
    pub fn unpause(&self) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(c.id().to_string())
                .status();
        }
    }

    /// Starts the server again on the same port and data directory, and
    /// waits until it answers.
    pub fn resume_service(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("java")
            .current_dir(&self.lib)
            .args([
                "-Xmx256m",
                "-Djava.library.path=./DynamoDBLocal_lib",
                "-jar",
                "DynamoDBLocal.jar",
                "-sharedDb",
                "-dbPath",
            ])
            .arg(&self.dir)
            .arg("-port")
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("java starts");
        self.child = Some(child);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "DynamoDB Local did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for PrivateDynamoDb {
    fn drop(&mut self) {
        self.unpause();
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
