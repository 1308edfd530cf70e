//! The unlock agent (`keyctl unlock` / `keyctl lock`): a background copy of this binary that
//! holds one store's unwrapped data key in memory for a while and hands it, over a Unix
//! socket in `$XDG_RUNTIME_DIR/keyctl/` (folder 0700, socket 0600), only to processes of
//! this user (the peer's uid is checked with SO_PEERCRED). It never writes the key anywhere,
//! and ends at its deadline, on `keyctl lock`, or when its socket file is removed. The store
//! checks the key it hands out before using it (`Unlock::Unlocked`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use keyctl::{Error, Result, StoreLocation, UnlockedKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// How long a client waits for the agent before going on without it.
const CLIENT_TIMEOUT: StdDuration = StdDuration::from_secs(2);

/// The agent's socket for the store at `store`: one agent per store, named by a hash of the
/// store's identity (a file's absolute path; a server's host, database and schema). `None`
/// without `$XDG_RUNTIME_DIR`.
pub fn socket_path(store: &StoreLocation) -> Option<PathBuf> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty())?;
    let digest = keyctl::crypto::sha256(store.identity().as_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Some(PathBuf::from(runtime).join("keyctl").join(format!("agent-{name}.sock")))
}

#[derive(Serialize, Deserialize)]
struct Request {
    op: String,
    /// The client's clock (debug builds only: lets a test move time past the deadline).
    #[serde(default)]
    now: Option<i64>,
}

#[derive(Default, Serialize, Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    expires_at: Option<i64>,
    #[serde(default)]
    pid: Option<u32>,
}

fn hex(bytes: &[u8]) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

fn unhex(text: &str) -> Option<keyctl::crypto::SecretBytes<32>> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut out = Zeroizing::new([0u8; 32]);
    for (i, pair) in bytes.chunks(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(keyctl::crypto::SecretBytes::new(*out))
}

fn now_secs() -> i64 {
    super::clock().now().timestamp()
}

/// Whether the other end of `stream` runs as this user.
fn same_user(stream: &UnixStream) -> bool {
    rustix::net::sockopt::socket_peercred(stream).is_ok_and(|cred| cred.uid == rustix::process::getuid())
}

/// Sends one request to the agent of `store` and reads its reply; `None` when no agent
/// answers (none running, a stale socket, another user's socket, a timeout).
fn ask(store: &StoreLocation, op: &str) -> Option<Reply> {
    let path = socket_path(store)?;
    let mut stream = UnixStream::connect(&path).ok()?;
    if !same_user(&stream) {
        return None;
    }
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).ok()?;
    let now = if cfg!(debug_assertions) { Some(now_secs()) } else { None };
    let mut line = serde_json::to_string(&Request { op: op.to_owned(), now }).ok()?;
    line.push('\n');
    stream.write_all(line.as_bytes()).ok()?;
    let mut reply = Zeroizing::new(String::new());
    BufReader::new(stream.take(4096)).read_line(&mut reply).ok()?;
    let reply: Reply = serde_json::from_str(&reply).ok()?;
    reply.ok.then_some(reply)
}

/// The data key from a running agent for this store, if one answers.
pub fn fetch(store: &StoreLocation) -> Option<UnlockedKey> {
    let reply = ask(store, "key")?;
    let key = Zeroizing::new(reply.key?);
    Some(UnlockedKey::new(unhex(&key)?, reply.actor?))
}

/// Ends the running agent for this store; whether one was running.
pub fn stop(store: &StoreLocation) -> bool {
    ask(store, "lock").is_some()
}

/// The private folder for agent sockets: created 0700, and refused if someone else owns it
/// or others can enter it.
fn socket_dir(path: &Path) -> Result<PathBuf> {
    let dir = path.parent().ok_or_else(|| Error::Locked("no folder for the agent's socket".into()))?.to_path_buf();
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    if !meta.is_dir() || meta.uid() != rustix::process::getuid().as_raw() {
        return Err(Error::Locked(format!(
            "{} is not a folder of yours; the unlock agent will not use it",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("cannot set permissions on {}", dir.display()), e))?;
    }
    Ok(dir)
}

/// `keyctl unlock`: starts an agent holding `key` for `seconds` (replacing a running one for
/// this store) and returns when it answers, with its deadline and pid.
pub fn start(store: &StoreLocation, key: &UnlockedKey, seconds: i64) -> Result<(i64, u32)> {
    let path = socket_path(store).ok_or_else(|| {
        Error::Locked("XDG_RUNTIME_DIR is not set: the unlock agent needs your private runtime folder".into())
    })?;
    socket_dir(&path)?;
    stop(store);
    let exe = std::env::current_exe().map_err(|e| Error::io("cannot find the keyctl binary", e))?;
    let mut child = std::os::unix::process::CommandExt::process_group(
        Command::new(exe).arg("__agent").arg("--socket").arg(&path).arg("--seconds").arg(seconds.to_string()),
        0,
    )
    // A clean environment: the agent must not keep KEYCTL_PASSPHRASE (or anything else of
    // the caller's) readable in /proc for its whole life.
    .env_clear()
    .envs(std::env::var_os("KEYCTL_TEST_NOW").filter(|_| cfg!(debug_assertions)).map(|v| ("KEYCTL_TEST_NOW", v)))
    .current_dir("/")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .map_err(|e| Error::io("cannot start the unlock agent", e))?;
    // The key travels over a pipe, never argv or the environment.
    let hello = Zeroizing::new(format!("{} {}\n", hex(key.expose_secret()).as_str(), key.actor()));
    let mut stdin = child.stdin.take().ok_or_else(|| Error::Locked("cannot talk to the unlock agent".into()))?;
    stdin.write_all(hello.as_bytes()).map_err(|e| Error::io("cannot hand the key to the unlock agent", e))?;
    drop(stdin);
    let mut ready = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out.take(256)).read_line(&mut ready);
    }
    if ready.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Error::Locked("the unlock agent did not start".into()));
    }
    let deadline = now_secs() + seconds;
    Ok((deadline, child.id()))
}

/// The hidden `keyctl __agent` process: reads "HEXKEY ACTOR" from stdin, binds the socket,
/// says "ready", and answers until its deadline.
pub fn serve(socket: &Path, seconds: i64) -> Result<()> {
    // Not dumpable: no core file, and other processes of this user cannot ptrace it.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let mut hello = Zeroizing::new(String::new());
    std::io::stdin().lock().take(512).read_line(&mut hello).map_err(|e| Error::io("cannot read the key", e))?;
    let (hex_key, actor) = hello.trim_end().split_once(' ').ok_or_else(|| Error::Usage("bad agent input".into()))?;
    let key = unhex(hex_key).ok_or_else(|| Error::Usage("bad agent input".into()))?;
    let key = UnlockedKey::new(key, actor);
    let deadline_secs = now_secs() + seconds;
    let deadline = Instant::now() + StdDuration::from_secs(seconds.max(0) as u64);

    socket_dir(socket)?;
    let _ = std::fs::remove_file(socket);
    let listener =
        UnixListener::bind(socket).map_err(|e| Error::io(format!("cannot listen on {}", socket.display()), e))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("cannot set permissions on {}", socket.display()), e))?;
    let inode = std::fs::metadata(socket).map(|m| m.ino()).unwrap_or(0);
    // The one line `keyctl unlock` waits for; nothing else is ever written to stdout.
    println!("ready");
    let _ = std::io::stdout().flush();

    // A watchdog ends the agent at its deadline, or when its socket is gone or replaced.
    let watched = socket.to_path_buf();
    std::thread::spawn(move || loop {
        std::thread::sleep(StdDuration::from_millis(250));
        let ours = std::fs::metadata(&watched).is_ok_and(|m| m.ino() == inode);
        if Instant::now() >= deadline || !ours {
            if ours {
                let _ = std::fs::remove_file(&watched);
            }
            std::process::exit(0);
        }
    });

    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if !same_user(&stream) {
            continue;
        }
        let _ = stream.set_read_timeout(Some(CLIENT_TIMEOUT));
        let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
        let mut line = String::new();
        if BufReader::new((&stream).take(4096)).read_line(&mut line).is_err() {
            continue;
        }
        let Ok(request) = serde_json::from_str::<Request>(&line) else { continue };
        // Debug builds honour the client's clock, so a test can move past the deadline.
        let expired = cfg!(debug_assertions) && request.now.is_some_and(|n| n >= deadline_secs);
        let mut reply =
            Reply { ok: !expired, expires_at: Some(deadline_secs), pid: Some(std::process::id()), ..Reply::default() };
        let secret = if request.op == "key" && !expired { Some(hex(key.expose_secret())) } else { None };
        if let Some(s) = &secret {
            reply.key = Some(s.as_str().to_owned());
            reply.actor = Some(key.actor().to_owned());
        }
        let text = Zeroizing::new(serde_json::to_string(&reply).unwrap_or_default());
        if let Some(k) = reply.key.as_mut() {
            zeroize::Zeroize::zeroize(k);
        }
        let _ = stream.write_all(text.as_bytes()).and_then(|_| stream.write_all(b"\n"));
        if expired || request.op == "lock" {
            let _ = std::fs::remove_file(socket);
            std::process::exit(0);
        }
    }
    Ok(())
}
