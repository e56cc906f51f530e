//! The authorization matrix: every role against every action, on the seed escrow.
//! Roles: the admin, the escrow agent's token, the company, a purchaser (alpha),
//! an outsider (the company of another agreement), no token, a bogus token.
//! A denied action is 401 (who are you?) or 403 (not yours / not permitted) and
//! changes nothing; an allowed one is 2xx.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

const ROLES: [&str; 5] = ["admin", "agent", "company", "alpha", "outsider"];

struct World {
    server: Server,
    outsider: String,
}

impl World {
    async fn new() -> World {
        let server = Server::start().await;
        let other = server.open("other-escrow", ESCROW).await;
        World { outsider: token(&other, "company"), server }
    }

    /// A fresh escrow for one cell of the matrix: alpha admitted and funded.
    async fn escrow(&self, id: &str, disputed: bool) -> (String, Value, String) {
        let s = &self.server;
        s.clock.set(ny("2005-08-19T10:00"));
        let tokens = s.open(id, ESCROW).await;
        let alpha = s.admit(id, "alpha", "Alpha Capital Fund LP").await;
        s.ok("2005-08-19T11:00", &alpha, id, json!({"type": "deposit", "account": "escrow", "amount": "100.00"})).await;
        if disputed {
            s.ok("2005-08-19T12:00", &alpha, id, json!({"type": "dispute", "reason": "which purchaser owns the funds"})).await;
        }
        s.clock.set(ny("2005-08-19T13:00"));
        (id.to_string(), tokens, alpha)
    }

    fn token_of(&self, role: &str, tokens: &Value, alpha: &str) -> String {
        match role {
            "admin" => ADMIN.to_string(),
            "outsider" => self.outsider.clone(),
            "alpha" => alpha.to_string(),
            party => token(tokens, party),
        }
    }
}

/// The signer identity a role signs as (admin and agent act as the escrow agent).
fn identity(role: &str) -> &str {
    match role {
        "admin" | "agent" => "agent",
        "outsider" => "company",
        other => other,
    }
}

#[tokio::test]
async fn every_role_against_every_write() {
    let world = World::new().await;
    let s = &world.server;
    // (action, the roles allowed, needs a dispute first)
    let actions: [(&str, &[&str], bool); 11] = [
        ("join", &["admin", "agent"], false),
        ("deposit", &["alpha"], false),
        ("deliver_signature_pages", &["company", "alpha"], false),
        ("deliver_nir_waiver", &["company"], false),
        ("sign_release_notice", &["company", "alpha"], false),
        ("dispute", &["admin", "agent", "company", "alpha"], false),
        ("resign", &["admin", "agent"], false),
        ("tick", &["admin", "agent", "company", "alpha"], false),
        ("deposit_with_court", &["admin", "agent"], true),
        ("court_order", &["admin", "agent"], true),
        ("issue_token", &["admin", "agent"], false),
    ];
    let mut cells = 0;
    for (action, allowed, disputed) in actions {
        for role in ROLES {
            let (id, tokens, alpha) = world.escrow(&format!("m-{}-{role}", action.replace('_', "-")), disputed).await;
            let caller = world.token_of(role, &tokens, &alpha);
            let before = s.observe(&id).await;
            let reply = match action {
                "join" => {
                    let key = hex::encode(pacta_core::consent::demo_signing_key("zeta").verifying_key().to_bytes());
                    s.command(&caller, &id, json!({"type": "join", "role": "purchaser", "member": "zeta", "legal_name": "Zeta LP", "public_key": key})).await
                }
                "deposit" => s.command(&caller, &id, json!({"type": "deposit", "account": "escrow", "amount": "5.00"})).await,
                "deliver_signature_pages" => s.command(&caller, &id, json!({"type": "deliver", "document": "signature_pages", "content": "page"})).await,
                "deliver_nir_waiver" => s.command(&caller, &id, json!({"type": "deliver", "document": "nir_waiver", "content": "waiver"})).await,
                "sign_release_notice" => {
                    let who = identity(role);
                    // Sign with the caller's own key over its own payload; the outsider signs for the other agreement.
                    let signature = match role {
                        "outsider" => "00".repeat(64),
                        _ => s.signature(&caller, &id, "release_notice", &as_written(), who).await,
                    };
                    s.command(&caller, &id, json!({"type": "sign", "instrument": "release_notice", "terms": as_written(), "signature": signature})).await
                }
                "dispute" => s.command(&caller, &id, json!({"type": "dispute", "reason": "a disagreement"})).await,
                "resign" => s.command(&caller, &id, json!({"type": "resign"})).await,
                "tick" => s.command(&caller, &id, json!({"type": "tick"})).await,
                "deposit_with_court" => s.command(&caller, &id, json!({"type": "deposit_with_court", "account": "escrow"})).await,
                "court_order" => {
                    let order = json!({"type": "court_order", "court": "Supreme Court of the State of New York", "account": "escrow",
                        "order_sha256": "ab".repeat(32), "is_final": true, "directions": [{"type": "refund_depositors"}]});
                    s.command(&caller, &id, order).await
                }
                "issue_token" => s.post(&caller, &format!("/v1/agreements/{id}/tokens"), json!({"party": "company"})).await,
                other => unreachable!("{other}"),
            };
            let ok = allowed.contains(&role);
            if ok {
                assert!(reply.status.is_success(), "{action} by {role} should pass: {} {}", reply.status, reply.body);
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{action} by {role} should be refused: {}", reply.body);
                let expected = if role == "outsider" { "forbidden" } else { "not_permitted" };
                assert!(reply.code() == expected || reply.code() == "forbidden", "{action} by {role}: {}", reply.body);
                assert_eq!(s.observe(&id).await, before, "{action} by {role} changed something");
            }
            cells += 1;
        }
    }
    // Opening agreements is the admin's alone.
    for role in ["agent", "company", "alpha", "outsider"] {
        let (_, tokens, alpha) = world.escrow(&format!("m-open-{role}"), false).await;
        let caller = world.token_of(role, &tokens, &alpha);
        let reply = s.post(&caller, "/v1/agreements", json!({"id": format!("by-{role}"), "source": ESCROW})).await;
        assert_eq!((reply.status, reply.code()), (StatusCode::FORBIDDEN, "forbidden"), "open by {role}");
        cells += 1;
    }
    assert_eq!(cells, 11 * 5 + 4);
    world.server.stop().await;
}

#[tokio::test]
async fn every_role_against_every_read() {
    let world = World::new().await;
    let s = &world.server;
    let (id, tokens, alpha) = world.escrow("reads", false).await;
    let reads = [
        format!("/v1/agreements/{id}"),
        format!("/v1/agreements/{id}/balances"),
        format!("/v1/agreements/{id}/conditions"),
        format!("/v1/agreements/{id}/deadlines"),
        format!("/v1/agreements/{id}/postings"),
        format!("/v1/agreements/{id}/postings/1/why"),
        format!("/v1/agreements/{id}/journal"),
        format!("/v1/agreements/{id}/signing-payload?instrument=release_notice&signer=company"),
    ];
    for path in &reads {
        for role in ROLES {
            let caller = world.token_of(role, &tokens, &alpha);
            let reply = s.get(&caller, path).await;
            if role == "outsider" {
                assert_eq!((reply.status, reply.code()), (StatusCode::FORBIDDEN, "forbidden"), "{path} by {role}");
            } else {
                assert_eq!(reply.status, StatusCode::OK, "{path} by {role}: {}", reply.body);
            }
        }
        let anonymous = s.http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path} without a token");
        let bogus = s.get("pacta_not-a-real-token", path).await;
        assert_eq!((bogus.status, bogus.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    // A party's list is its own agreement; the admin's is all of them.
    let mine = s.get(&alpha, "/v1/agreements").await.body;
    assert_eq!(mine.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect::<Vec<_>>(), vec!["reads"]);
    let all = s.get(ADMIN, "/v1/agreements").await.body;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let outsider = s.get(&world.outsider, "/v1/agreements").await.body;
    assert_eq!(outsider[0]["id"], "other-escrow");
    // An unknown agreement: 404 for the admin, 403 for a party (ids cannot be probed).
    assert_eq!(s.get(ADMIN, "/v1/agreements/nope").await.code(), "not_found");
    assert_eq!(s.get(&alpha, "/v1/agreements/nope").await.code(), "forbidden");
    // Who am I: the member token acts as that member.
    let me = s.get(&alpha, &format!("/v1/agreements/{id}")).await.body;
    assert_eq!(me["you"], json!({"identity": "alpha", "acts_as": "purchaser"}));
    world.server.stop().await;
}
