//! A real server on 127.0.0.1:0 over SQLite in a temp dir, a test clock, and a
//! small HTTP client with helpers for the story every test tells.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::Signer;
use jiff::Timestamp;
use pacta_core::consent::demo_signing_key;
use pacta_server::clock::{Clock, ManualClock};
use pacta_server::{start, Config, Running};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const ESCROW: &str = include_str!("../../../../agreements/escrow.pact");
pub const NOTE: &str = include_str!("../../../../agreements/note-purchase.pact");
pub const OMNIBUS: &str = include_str!("../../../../agreements/omnibus-waiver.pact");
pub const AMENDMENT: &str = include_str!("../../../../agreements/scenarios/escrow-amendment-1.pact");
pub const ADMIN: &str = "test-admin-token";

/// `2005-08-19 10:00` in New York, as an instant.
pub fn ny(civil: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = civil.parse().expect("civil date-time");
    pacta_core::calendar::instant("America/New_York", dt).expect("instant")
}

pub struct Server {
    pub running: Option<Running>,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
    pub database: String,
    /// PostgreSQL: the schema this test owns (dropped with it).
    schema: Option<ScratchSchema>,
    keys: std::sync::atomic::AtomicU64,
    /// How often this server looks for other servers' writes (`None`: the default).
    discover_every: Option<Duration>,
}

pub use pacta_testkit::PG_VAR;
use pacta_testkit::ScratchSchema;

/// The database a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub bytes: Vec<u8>,
    pub replayed: bool,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl Server {
    pub async fn start() -> Server {
        Server::start_at(ny("2005-08-19T09:00")).await
    }

    pub async fn start_at(at: Timestamp) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}", dir.path().join("pacta.db").display());
        let clock = ManualClock::new(at);
        Server::boot(Some(dir), database, None, clock, None).await
    }

    /// A server on SQLite, or on a fresh schema of `PACTA_TEST_DATABASE_URL`
    /// (`None`, said loudly, when that is not set).
    pub async fn on(db: Db, at: Timestamp) -> Option<Server> {
        match db {
            Db::Sqlite => Some(Server::start_at(at).await),
            Db::Postgres => {
                let Ok(base) = std::env::var(PG_VAR) else {
                    eprintln!("SKIPPED: the PostgreSQL variant (set {PG_VAR}=postgres://…)");
                    return None;
                };
                let schema = ScratchSchema::create(&base, "server_test").await;
                let database = schema.url().to_string();
                Some(Server::boot(None, database, Some(schema), ManualClock::new(at), None).await)
            }
        }
    }

    /// Another server on the same database, with its own clock set to the same instant.
    pub async fn second(&self) -> Server {
        Server::boot(None, self.database.clone(), None, ManualClock::new(self.clock.now()), self.discover_every).await
    }

    /// This server restarted (and the servers made by `second` from it) without the
    /// periodic look for other servers' writes: it learns of them only when its
    /// append loses the seq check or a request reads the agreement, so a test can
    /// hold a stale state on purpose.
    pub async fn without_discovery(mut self) -> Server {
        if let Some(running) = self.running.take() {
            running.shutdown().await.expect("clean shutdown");
        }
        let hour = Some(Duration::from_secs(3600));
        Server::boot(self.dir.take(), self.database.clone(), self.schema.take(), self.clock.clone(), hour).await
    }

    async fn boot(
        dir: Option<tempfile::TempDir>,
        database: String,
        schema: Option<ScratchSchema>,
        clock: ManualClock,
        discover_every: Option<Duration>,
    ) -> Server {
        // RUST_LOG=pacta_server=debug shows what the servers do.
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        let mut config = Config::new(database.clone(), "127.0.0.1:0".parse().expect("address"));
        config.admin_token = Some(ADMIN.to_string());
        config.discover_every = discover_every;
        let running = start(config, Arc::new(clock.clone())).await.expect("server starts");
        let url = running.url();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Server { running: Some(running), clock, http, url, dir, database, schema, keys: Default::default(), discover_every }
    }

    /// Stops the server gracefully and starts a new one on the same database and clock.
    pub async fn restart(mut self) -> Server {
        if let Some(running) = self.running.take() {
            running.shutdown().await.expect("clean shutdown");
        }
        Server::boot(self.dir.take(), self.database.clone(), self.schema.take(), self.clock.clone(), self.discover_every).await
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.expect("clean shutdown");
        }
    }

    pub fn fresh_key(&self) -> String {
        format!("key-{}", self.keys.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        let response = self.http.get(format!("{}{path}", self.url)).bearer_auth(token).send().await.expect("request");
        read(response).await
    }

    /// A raw POST: body bytes as given, optional idempotency key.
    pub async fn post_raw(&self, token: Option<&str>, path: &str, body: Vec<u8>, key: Option<&str>) -> Reply {
        let mut request = self.http.post(format!("{}{path}", self.url)).header("content-type", "application/json").body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        read(request.send().await.expect("request")).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Reply {
        let key = self.fresh_key();
        self.post_raw(Some(token), path, body.to_string().into_bytes(), Some(&key)).await
    }

    pub async fn command(&self, token: &str, id: &str, body: Value) -> Reply {
        self.post(token, &format!("/v1/agreements/{id}/commands"), body).await
    }

    /// Runs a command at a given instant, and insists it was accepted.
    pub async fn ok(&self, at: &str, token: &str, id: &str, body: Value) -> Reply {
        self.clock.set(ny(at));
        let reply = self.command(token, id, body.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{body} at {at}: {}", reply.body);
        reply
    }

    /// Opens an agreement (as the admin) with demo keys for its single parties; returns the tokens.
    pub async fn open(&self, id: &str, source: &str) -> Value {
        let compiled = pacta_lang::compile(source).agreement.expect("seed compiles");
        let keys: serde_json::Map<String, Value> =
            pacta_core::consent::demo_keys(&compiled).into_iter().map(|(party, key)| (party, Value::String(hex::encode(key)))).collect();
        let reply = self.post(ADMIN, "/v1/agreements", json!({ "id": id, "source": source, "keys": keys })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "open {id}: {}", reply.body);
        reply.body["tokens"].clone()
    }

    /// Admits a purchaser with its demo key (as the admin, acting as the escrow agent); returns its token.
    pub async fn admit(&self, id: &str, member: &str, legal_name: &str) -> String {
        let public_key = hex::encode(demo_signing_key(member).verifying_key().to_bytes());
        let reply =
            self.command(ADMIN, id, json!({"type": "join", "role": "purchaser", "member": member, "legal_name": legal_name, "public_key": public_key})).await;
        assert_eq!(reply.status, StatusCode::OK, "admit {member}: {}", reply.body);
        reply.body["token"].as_str().expect("member token").to_string()
    }

    /// Signs as `signer` with the demo key of `key_of`, via the signing-payload endpoint.
    pub async fn signature(&self, token: &str, id: &str, instrument: &str, terms: &Value, key_of: &str) -> String {
        let reply = self.post(token, &format!("/v1/agreements/{id}/signing-payload"), json!({"instrument": instrument, "terms": terms})).await;
        assert_eq!(reply.status, StatusCode::OK, "signing payload: {}", reply.body);
        let message = hex::decode(reply.body["message_hex"].as_str().expect("message")).expect("hex");
        hex::encode(demo_signing_key(key_of).sign(&message).to_bytes())
    }

    pub async fn sign(&self, at: &str, token: &str, id: &str, instrument: &str, terms: Value, signer: &str) -> Reply {
        self.clock.set(ny(at));
        let signature = self.signature(token, id, instrument, &terms, signer).await;
        self.command(token, id, json!({"type": "sign", "instrument": instrument, "terms": terms, "signature": signature})).await
    }

    /// Everything observable about an agreement, to compare before and after a refused request.
    pub async fn observe(&self, id: &str) -> Value {
        let agreement = self.get(ADMIN, &format!("/v1/agreements/{id}")).await.body;
        let journal = self.get(ADMIN, &format!("/v1/agreements/{id}/journal")).await.body;
        let balances = self.get(ADMIN, &format!("/v1/agreements/{id}/balances")).await.body;
        let conditions = self.get(ADMIN, &format!("/v1/agreements/{id}/conditions")).await.body;
        json!({ "agreement": agreement, "journal": journal, "balances": balances, "conditions": conditions })
    }

    /// Waits (briefly, in real time) until `check` holds: the scheduler works in the background.
    pub async fn eventually<F: Fn(&Value) -> bool>(&self, token: &str, path: &str, check: F) -> Value {
        for _ in 0..200 {
            let reply = self.get(token, path).await;
            if check(&reply.body) {
                return reply.body;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{path} never satisfied the check: {}", self.get(token, path).await.body);
    }
}

async fn read(response: reqwest::Response) -> Reply {
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let bytes = response.bytes().await.expect("body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, body, bytes, replayed }
}

pub fn token(tokens: &Value, party: &str) -> String {
    tokens[party].as_str().unwrap_or_else(|| panic!("token for {party} in {tokens}")).to_string()
}

/// The seed escrow with three purchasers and their deposits (as in escrow-release.scenario).
pub struct Escrow {
    pub tokens: Value,
    pub alpha: String,
    pub beta: String,
    pub gamma: String,
}

pub async fn funded_escrow(server: &Server, id: &str) -> Escrow {
    funded_escrow_from(server, id, ESCROW).await
}

/// `funded_escrow`, from another version of the escrow's source.
pub async fn funded_escrow_from(server: &Server, id: &str, source: &str) -> Escrow {
    server.clock.set(ny("2005-08-19T09:00"));
    let tokens = server.open(id, source).await;
    server.clock.set(ny("2005-08-19T10:00"));
    let alpha = server.admit(id, "alpha", "Alpha Capital Fund LP").await;
    let beta = server.admit(id, "beta", "Beta Partners LLC").await;
    let gamma = server.admit(id, "gamma", "Gamma Investors Ltd.").await;
    server.ok("2005-08-19T11:00", &alpha, id, json!({"type": "deposit", "account": "escrow", "amount": "3,000,000.00"})).await;
    server.ok("2005-08-19T11:30", &beta, id, json!({"type": "deposit", "account": "escrow", "amount": "2000000.00"})).await;
    server.ok("2005-08-22T09:15", &gamma, id, json!({"type": "deposit", "account": "escrow", "amount": "1,000,000.00"})).await;
    Escrow { tokens, alpha, beta, gamma }
}

pub fn as_written() -> Value {
    json!({"kind": "as_written"})
}
