//! The crash test: the real `pacta serve` on SQLite, driven over HTTP by a few
//! client threads (joins, document deliveries, deposits, each with an
//! Idempotency-Key), killed with SIGKILL at random moments and restarted on the
//! same file. A client whose request got no answer retries it, with the same key,
//! until it gets one. At the end every acknowledged command must be in the journal
//! exactly once, `pacta verify` must pass, and the ledger must conserve.
//!
//! Seeded: `PACTA_CRASH_SEED` picks another run (the seed is printed). Bounded:
//! the whole test gives up after `DEADLINE`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ADMIN: &str = "crash-test-admin-token";
const AGREEMENT: &str = "crash-escrow";
/// Client threads, and purchasers per thread.
const THREADS: usize = 4;
const MEMBERS_PER_THREAD: usize = 3;
/// Deposits each thread makes at least (it keeps going until the kills are done).
const MIN_DEPOSITS_PER_THREAD: usize = 600;
/// A thread's next member joins after this many of its deposits.
const JOIN_EVERY: usize = 150;
/// Kills: at least `MIN_KILLS` are required, `KILLS` are made.
const KILLS: usize = 25;
const MIN_KILLS: usize = 20;
/// How long the server runs between kills (uniform, in milliseconds).
const UPTIME_MS: (u64, u64) = (60, 600);
const DEADLINE: Duration = Duration::from_secs(120);

/// xorshift64*: a few lines of seeded randomness, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// An HTTP answer: status, whether it was an idempotent replay, body.
struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
    text: String,
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`): any IO
/// error means no answer (the server is down, or died mid-request).
fn http(addr: SocketAddr, method: &str, path: &str, token: &str, key: Option<&str>, body: Option<&Value>) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n");
    if let Some(key) = key {
        request.push_str(&format!("Idempotency-Key: {key}\r\n"));
    }
    if body.is_some() {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", payload.len()));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let broken = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete HTTP response");
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(broken)?;
    let lower = head.to_ascii_lowercase();
    let replayed = lower.contains("\r\nidempotent-replayed: true");
    // Bodies are small and sent whole (Content-Length); a cut-off body is no answer.
    if let Some(length) = lower.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok()) {
        if rest.len() < length {
            return Err(broken());
        }
    }
    let body = serde_json::from_str(rest).unwrap_or(Value::Null);
    Ok(Answer { status, replayed, body, text: rest.to_string() })
}

#[derive(Default)]
struct Counts {
    /// Commands (writes) answered.
    acknowledged: AtomicUsize,
    /// Attempts that got no answer (or a 503) and were retried with the same key.
    retries: AtomicUsize,
    /// Commands that needed at least one retry.
    retried_commands: AtomicUsize,
    /// Answers that came back as idempotent replays: the command had committed
    /// before its first answer was lost to a kill.
    replayed: AtomicUsize,
    /// Member tokens re-issued because the join's answer was lost (the replay has it blanked).
    reissued_tokens: AtomicUsize,
}

struct Client {
    addr: SocketAddr,
    counts: Arc<Counts>,
    deadline: Instant,
}

impl Client {
    /// Sends a write until it is answered (same key every time); 503 is no answer.
    fn write(&self, path: &str, token: &str, key: &str, body: &Value) -> Answer {
        let mut attempts = 0;
        loop {
            assert!(Instant::now() < self.deadline, "the crash test ran out of time retrying {key}");
            match http(self.addr, "POST", path, token, Some(key), Some(body)) {
                Ok(answer) if answer.status != 503 => {
                    self.counts.acknowledged.fetch_add(1, Ordering::Relaxed);
                    if attempts > 0 {
                        self.counts.retried_commands.fetch_add(1, Ordering::Relaxed);
                    }
                    if answer.replayed {
                        self.counts.replayed.fetch_add(1, Ordering::Relaxed);
                    }
                    return answer;
                }
                _ => {
                    attempts += 1;
                    self.counts.retries.fetch_add(1, Ordering::Relaxed);
                    thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    fn command(&self, token: &str, key: &str, body: &Value) -> Answer {
        self.write(&format!("/v1/agreements/{AGREEMENT}/commands"), token, key, body)
    }
}

/// What one client thread did and saw acknowledged.
#[derive(Default)]
struct Done {
    members: Vec<String>,
    /// Acknowledged deposits: (member, minor units); every amount is unique.
    deposits: Vec<(String, i64)>,
}

fn client(thread_no: usize, client: Client, kills_done: Arc<AtomicBool>) -> Done {
    let mut done = Done::default();
    let mut tokens: Vec<(String, String)> = Vec::new();
    let join = |m: usize, done: &mut Done| -> (String, String) {
        let member = format!("p{thread_no}x{m}");
        let public_key = hex::encode(pacta_core::consent::demo_signing_key(&member).verifying_key().to_bytes());
        let join = json!({"type": "join", "role": "purchaser", "member": member, "legal_name": format!("Purchaser {member}"), "public_key": public_key});
        let answer = client.command(ADMIN, &format!("join-{member}"), &join);
        assert_eq!(answer.status, 200, "join {member}: {}", answer.text);
        let token = match answer.body["token"].as_str() {
            Some(token) => token.to_string(),
            // The first answer was lost to a kill; its replay has the token blanked
            // (a secret is returned once): the agent issues another.
            None => {
                client.counts.reissued_tokens.fetch_add(1, Ordering::Relaxed);
                let mut n = 0;
                loop {
                    let path = format!("/v1/agreements/{AGREEMENT}/tokens");
                    let issued = client.write(&path, ADMIN, &format!("token-{member}-{n}"), &json!({"party": member}));
                    assert_eq!(issued.status, 201, "token for {member}: {}", issued.text);
                    if let Some(token) = issued.body["token"].as_str() {
                        break token.to_string();
                    }
                    n += 1;
                }
            }
        };
        let deliver = json!({"type": "deliver", "document": "signature_pages", "content": format!("signature pages of {member}")});
        let delivered = client.command(&token, &format!("deliver-{member}"), &deliver);
        assert!(delivered.status < 500, "deliver {member}: {}", delivered.text);
        done.members.push(member.clone());
        (member, token)
    };
    let mut i = 0usize;
    while i < MIN_DEPOSITS_PER_THREAD || !kills_done.load(Ordering::Relaxed) {
        // Members join along the way, so joins and deliveries meet the kills too.
        if tokens.len() < MEMBERS_PER_THREAD && i >= tokens.len() * JOIN_EVERY {
            tokens.push(join(tokens.len(), &mut done));
        }
        let (member, token) = &tokens[i % tokens.len()];
        // Unique per deposit, so each can be found in the journal.
        // (Small: the escrow account has a limit of 7,999,999.98.)
        let minor = (i * THREADS + thread_no + 1) as i64;
        let amount = format!("{}.{:02}", minor / 100, minor % 100);
        let deposit = json!({"type": "deposit", "account": "escrow", "amount": amount});
        let answer = client.command(token, &format!("deposit-{thread_no}-{i}"), &deposit);
        assert_eq!(answer.status, 200, "deposit {amount} by {member}: {}", answer.text);
        done.deposits.push((member.clone(), minor));
        i += 1;
    }
    done
}

struct Server {
    binary: PathBuf,
    database: String,
    addr: SocketAddr,
    log: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("server log");
        let child = Command::new(&self.binary)
            .args(["serve", "--database", &self.database, "--listen", &self.addr.to_string()])
            .env("PACTA_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("pacta serve starts");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Ok(answer) = http(self.addr, "GET", "/healthz", ADMIN, None, None) {
                if answer.status == 200 {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("pacta serve exited with {status}; see {}", self.log.display());
            }
            assert!(started.elapsed() < Duration::from_secs(30), "pacta serve did not come up; see {}", self.log.display());
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL: no graceful shutdown, nothing flushed that was not already durable.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reaped");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address")
}

/// The seed escrow, dated today in New York, so its deadline is in the future.
fn escrow_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../agreements/escrow.pact");
    let source = std::fs::read_to_string(&path).expect("agreements/escrow.pact");
    let today = jiff::Timestamp::now().in_tz("America/New_York").expect("tz").date();
    let dated = source.lines().find(|l| l.trim_start().starts_with("dated ")).expect("a dated line").to_string();
    source.replace(&dated, &format!("  dated {today}"))
}

#[test]
fn kill_9_at_random_moments_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let seed: u64 = std::env::var("PACTA_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_c0ff_ee15_2026);
    let mut rng = Rng(seed | 1);
    let dir = tempfile_dir();
    let db_path = dir.join("pacta.db");
    let database = format!("sqlite://{}", db_path.display());
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_pacta"));
    let mut server = Server { binary: binary.clone(), database: database.clone(), addr: free_port(), log: dir.join("server.log"), child: None };
    server.start();

    // Open the escrow (before any kill: its answer carries the parties' tokens).
    let source = escrow_source();
    let compiled = pacta_lang::compile(&source).agreement.expect("the seed escrow compiles");
    let keys: serde_json::Map<String, Value> =
        pacta_core::consent::demo_keys(&compiled).into_iter().map(|(party, key)| (party, Value::String(hex::encode(key)))).collect();
    let open = http(server.addr, "POST", "/v1/agreements", ADMIN, Some("open"), Some(&json!({"id": AGREEMENT, "source": source, "keys": keys})))
        .expect("open answered");
    assert_eq!(open.status, 201, "open: {}", open.text);

    let counts = Arc::new(Counts::default());
    let kills_done = Arc::new(AtomicBool::new(false));
    let deadline = started + DEADLINE;
    let clients: Vec<_> = (0..THREADS)
        .map(|t| {
            let c = Client { addr: server.addr, counts: Arc::clone(&counts), deadline };
            let kills_done = Arc::clone(&kills_done);
            thread::spawn(move || client(t, c, kills_done))
        })
        .collect();

    // The killer: up for a random while, then SIGKILL, then up again at once.
    let kills = AtomicU64::new(0);
    for _ in 0..KILLS {
        thread::sleep(Duration::from_millis(rng.between(UPTIME_MS.0, UPTIME_MS.1)));
        server.kill();
        kills.fetch_add(1, Ordering::Relaxed);
        // Sometimes stay down a little, so clients find the port closed.
        thread::sleep(Duration::from_millis(rng.between(0, 100)));
        server.start();
        assert!(Instant::now() < deadline, "the crash test ran out of time after {} kills", kills.load(Ordering::Relaxed));
    }
    kills_done.store(true, Ordering::Relaxed);
    let done: Vec<Done> = clients.into_iter().map(|c| c.join().expect("a client thread panicked")).collect();
    // The last stop is a crash too.
    server.kill();

    let kills = kills.load(Ordering::Relaxed) as usize;
    let members: Vec<&String> = done.iter().flat_map(|d| &d.members).collect();
    let deposits: Vec<&(String, i64)> = done.iter().flat_map(|d| &d.deposits).collect();
    let deposited: i64 = deposits.iter().map(|(_, minor)| minor).sum();

    // `pacta verify` on the database: every hash and balance recomputed.
    let verify = Command::new(&binary).args(["verify", &database]).output().expect("pacta verify runs");
    let verify_out = format!("{}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));
    assert!(verify.status.success(), "pacta verify failed:\n{verify_out}");

    // The journal itself: each acknowledged command in it exactly once.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (events, balances) = runtime.block_on(async {
        let store = pacta_store::Store::connect(&database).await.expect("the journal opens");
        let events = store.load(AGREEMENT).await.expect("the journal loads");
        let balances = store.balances(AGREEMENT).await.expect("balances");
        (events, balances)
    });
    use pacta_core::engine::EventKind;
    use pacta_core::ledger::LedgerAccount;
    let mut posted: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    let mut joined: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut posted_total = 0i64;
    for event in &events {
        match &event.kind {
            EventKind::Posted(posting) => {
                let LedgerAccount::Custody { account, depositor: Some(depositor) } = &posting.credit else {
                    panic!("only deposits move money in this run: {posting:?}");
                };
                assert_eq!(account, "escrow");
                posted.entry(posting.amount.minor).or_default().push(depositor.to_string());
                posted_total += posting.amount.minor;
            }
            EventKind::Joined { member, .. } => *joined.entry(member.clone()).or_default() += 1,
            _ => {}
        }
    }
    let mut duplicates = 0;
    let mut missing = 0;
    for (member, minor) in &deposits {
        match posted.get(minor).map(Vec::as_slice) {
            Some([one]) => assert_eq!(one, member, "deposit {minor} credited to the wrong purchaser"),
            Some(many) if !many.is_empty() => duplicates += many.len() - 1,
            _ => missing += 1,
        }
    }
    let acknowledged: std::collections::HashSet<i64> = deposits.iter().map(|(_, minor)| *minor).collect();
    let unacknowledged: usize = posted.iter().filter(|(minor, _)| !acknowledged.contains(minor)).map(|(_, who)| who.len()).sum();
    for member in &members {
        let times = joined.get(*member).copied().unwrap_or(0);
        if times != 1 {
            duplicates += times.saturating_sub(1);
            missing += usize::from(times == 0);
        }
    }

    // Conservation: the custody total equals the sum of acknowledged deposits, and
    // every balance sums to zero (what left the purchasers is what custody holds).
    let custody: i64 = balances.iter().filter(|(label, _)| label == "escrow" || label.starts_with("escrow/")).map(|(_, minor)| minor).sum();
    let all: i64 = balances.iter().map(|(_, minor)| minor).sum();

    let elapsed = started.elapsed();
    eprintln!(
        "crash test (seed {seed}): {kills} kills, {} commands acknowledged ({} deposits, {} joins), {} retried attempts over {} commands, \
         {} answers replayed from receipts after a kill, {} member tokens re-issued, {} journal events; duplicates {duplicates}, missing {missing}, \
         unacknowledged deposits in the journal {unacknowledged}; custody {custody} = deposited {deposited} (minor units); {:.1} s",
        counts.acknowledged.load(Ordering::Relaxed),
        deposits.len(),
        members.len(),
        counts.retries.load(Ordering::Relaxed),
        counts.retried_commands.load(Ordering::Relaxed),
        counts.replayed.load(Ordering::Relaxed),
        counts.reissued_tokens.load(Ordering::Relaxed),
        events.len(),
        elapsed.as_secs_f64(),
    );
    assert!(kills >= MIN_KILLS, "{kills} kills");
    assert!(deposits.len() >= THREADS * MIN_DEPOSITS_PER_THREAD, "thousands of commands");
    assert_eq!((duplicates, missing), (0, 0), "every acknowledged command is in the journal exactly once");
    // Every command was retried until answered, so nothing in the journal is unaccounted for.
    assert_eq!(unacknowledged, 0, "no deposit in the journal that no client saw answered");
    assert_eq!(posted_total, deposited);
    assert_eq!(custody, deposited, "custody holds exactly the acknowledged deposits");
    assert_eq!(all, 0, "the ledger conserves: balances sum to zero");
    assert!(counts.retries.load(Ordering::Relaxed) > 0, "the kills interrupted some commands");
    assert!(elapsed < DEADLINE);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory under the target's temp dir (no tempfile dependency).
fn tempfile_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos();
    let dir = std::env::temp_dir().join(format!("pacta-crash-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
