//! `pacta serve --demo`: the three seed agreements, running, with demo keys,
//! three demo purchasers with money in the escrow, and a token for every party,
//! so a new user sees the system working at once.
//!
//! The seeds are dated 2005; a demo dates them today (in the agreement's zone) so
//! their deadlines lie ahead and can be watched counting down. Demo keys derive
//! from party names (`pacta_core::consent::demo_signing_key`): never for real use.

use std::sync::Arc;

use pacta_core::agreement::PartyKind;
use pacta_core::consent::{demo_keys, demo_signing_key};
use pacta_core::engine::CommandKind;
use pacta_core::money::Money;

use crate::auth::{new_token, sha256_hex};
use crate::convert::input::{compile, CompiledSource};
use crate::error::ApiError;
use crate::routes::{submit, Shared};
use crate::tables::TokenRow;
use crate::writer::{Grant, Work};

pub const SEEDS: [(&str, &str); 3] = [
    ("escrow-demo", include_str!("../../../agreements/escrow.pact")),
    ("note-demo", include_str!("../../../agreements/note-purchase.pact")),
    ("omnibus-demo", include_str!("../../../agreements/omnibus-waiver.pact")),
];

/// Demo purchasers admitted to the escrow, each with a deposit.
const PURCHASERS: [(&str, &str, i64); 3] =
    [("alpha", "Alpha Capital Fund LP", 300_000_000), ("beta", "Beta Partners LLC", 200_000_000), ("gamma", "Gamma Investors Ltd.", 100_000_000)];

/// A token handed out by the demo.
pub struct DemoToken {
    pub agreement: String,
    pub party: String,
    pub token: String,
}

/// `dated YYYY-MM-DD` moved to today in the agreement's time zone.
pub fn dated_today(source: &str, state_zone: &str, now: jiff::Timestamp) -> String {
    let today = pacta_core::calendar::local_date(state_zone, now).map(|d| d.to_string()).unwrap_or_else(|_| now.to_string()[..10].to_string());
    source
        .lines()
        .map(|line| match line.trim_start().strip_prefix("dated ") {
            Some(_) => format!("  dated {today}"),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Opens the seeds (or, if a previous run opened them, issues fresh tokens) and returns the tokens.
pub async fn load(state: &Arc<Shared>) -> anyhow::Result<Vec<DemoToken>> {
    let mut tokens = Vec::new();
    for (id, seed) in SEEDS {
        if state.instances.get(id).is_some() {
            tokens.extend(fresh_tokens(state, id).await?);
            continue;
        }
        let zone = compile("source", seed).map_err(error)?.agreement.time_zone.clone();
        let source = dated_today(seed, &zone, state.clock.now());
        tokens.extend(open(state, id, &source).await?);
        if id == "escrow-demo" {
            tokens.extend(purchasers(state, id).await?);
        }
    }
    Ok(tokens)
}

fn error(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.body.code, e.body.message)
}

async fn open(state: &Arc<Shared>, id: &str, source: &str) -> anyhow::Result<Vec<DemoToken>> {
    let compiled = compile("source", source).map_err(error)?;
    let sha256 = state.store.put_source(source).await?;
    let agreement = state.store.agreement(&sha256).await?;
    let keys = demo_keys(&agreement);
    let grants: Vec<Grant> = agreement
        .parties
        .iter()
        .filter(|p| matches!(p.kind, PartyKind::Single { .. }))
        .map(|p| Grant { identity: p.name.clone(), token: new_token() })
        .collect();
    let tokens = grants.iter().map(|g| DemoToken { agreement: id.into(), party: g.identity.clone(), token: g.token.clone() }).collect();
    let work = Work::Open { source: CompiledSource { sha256, agreement, warnings: vec![] }, keys, grants, warnings: compiled.warnings };
    expect_success(submit(state, id, work, None).await).await?;
    Ok(tokens)
}

async fn purchasers(state: &Arc<Shared>, id: &str) -> anyhow::Result<Vec<DemoToken>> {
    let agent = state.instances.get(id).and_then(|s| s.state.agreement.escrow_agent().map(|a| a.name.clone())).unwrap_or_default();
    let mut tokens = Vec::new();
    for (member, legal_name, _) in PURCHASERS {
        let token = new_token();
        let public_key = demo_signing_key(member).verifying_key().into();
        let kind = CommandKind::Join { role: "purchaser".into(), member: member.into(), legal_name: legal_name.into(), public_key };
        let grant = Some(Grant { identity: member.into(), token: token.clone() });
        expect_success(submit(state, id, Work::Command { actor: agent.clone(), name: "join", kind, grant }, None).await).await?;
        tokens.push(DemoToken { agreement: id.into(), party: member.into(), token });
    }
    for (member, _, minor) in PURCHASERS {
        let kind = CommandKind::Deposit { account: "escrow".into(), amount: Money::from_minor(minor) };
        expect_success(submit(state, id, Work::Command { actor: member.into(), name: "deposit", kind, grant: None }, None).await).await?;
    }
    Ok(tokens)
}

/// A restarted demo cannot show the old tokens (only their hashes are kept), so it issues new ones.
async fn fresh_tokens(state: &Arc<Shared>, id: &str) -> anyhow::Result<Vec<DemoToken>> {
    let Some(snapshot) = state.instances.get(id) else { return Ok(vec![]) };
    let now = state.clock.now().to_string();
    let mut rows = Vec::new();
    let mut tokens = Vec::new();
    for identity in snapshot.state.identities().map(|(name, _)| name) {
        let token = new_token();
        rows.push(TokenRow { sha256: sha256_hex(&token), agreement_id: id.into(), identity: identity.to_string(), created_at: now.clone() });
        tokens.push(DemoToken { agreement: id.into(), party: identity.to_string(), token });
    }
    state.tables.record_tokens(&rows).await?;
    state.auth.remember(&rows);
    Ok(tokens)
}

async fn expect_success(response: Result<axum::response::Response, ApiError>) -> anyhow::Result<()> {
    let response = response.map_err(error)?;
    if response.status().is_success() {
        return Ok(());
    }
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap_or_default();
    anyhow::bail!("demo step failed with {status}: {}", String::from_utf8_lossy(&body))
}
